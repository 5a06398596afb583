"""Presigned POST forms from boto3 as it comes (SigV2 fields in us-east-1) and with signature_version='s3v4'.

Usage: python3 boto3_post.py <endpoint> <access key id> <secret> <bucket>
Prints one JSON line: {"v2": {url, fields}, "v4": {url, fields}}.
"""
import json
import sys

import boto3
from botocore.config import Config

endpoint, key_id, secret, bucket = sys.argv[1:5]
creds = dict(endpoint_url=endpoint, region_name='us-east-1', aws_access_key_id=key_id, aws_secret_access_key=secret)
conditions = [['content-length-range', 1, 1024], ['starts-with', '$Content-Type', 'text/']]
out = {}
for name, client in (('v2', boto3.client('s3', **creds)), ('v4', boto3.client('s3', **creds, config=Config(signature_version='s3v4')))):
    out[name] = client.generate_presigned_post(bucket, 'uploads/${filename}', Fields={'Content-Type': 'text/plain'}, Conditions=conditions, ExpiresIn=300)
print(json.dumps(out))
