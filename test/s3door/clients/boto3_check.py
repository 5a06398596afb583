"""Drives the s3gate S3 door with boto3 as an application would; prints one JSON line of findings.

Usage: python3 boto3_check.py <endpoint> <access key id> <secret> <bucket> <file>
Run with both boto3 generations here (Debian's 1.26 in /usr/bin/python3, pip's 1.43 on PATH).
"""
import hashlib
import json
import sys
import urllib.request

import boto3
from boto3.s3.transfer import TransferConfig
from botocore.config import Config

endpoint, key_id, secret, bucket, path = sys.argv[1:6]
# Presigned URLs must be SigV4 (boto3 presigns with SigV2 unless told): the door, like S3 in new regions, refuses SigV2.
s3 = boto3.client('s3', endpoint_url=endpoint, region_name='us-east-1', aws_access_key_id=key_id, aws_secret_access_key=secret,
                  config=Config(signature_version='s3v4', retries={'max_attempts': 1}))
out = {'boto3': boto3.__version__}
mib = 1024 * 1024
transfer = TransferConfig(multipart_threshold=8 * mib, multipart_chunksize=8 * mib)

s3.create_bucket(Bucket=bucket)
s3.upload_file(path, bucket, 'big.bin', Config=transfer, ExtraArgs={'Metadata': {'origin': 'boto3'}, 'ContentType': 'application/x-test'})
head = s3.head_object(Bucket=bucket, Key='big.bin')
out['uploadEtag'] = head['ETag']
out['uploadMeta'] = [head['ContentType'], head['Metadata']]
s3.download_file(bucket, 'big.bin', path + '.back', Config=transfer)
digest = lambda p: hashlib.md5(open(p, 'rb').read()).hexdigest()
out['roundTrip'] = digest(path) == digest(path + '.back')

for i in range(7):
    s3.put_object(Bucket=bucket, Key=f'page/{i:02d} file+name.txt', Body=str(i).encode())
pages = s3.get_paginator('list_objects_v2').paginate(Bucket=bucket, Prefix='page/', PaginationConfig={'PageSize': 3})
out['v2Pages'] = [[c['Key'] for c in p.get('Contents', [])] for p in pages]
pages = s3.get_paginator('list_objects').paginate(Bucket=bucket, Delimiter='/', PaginationConfig={'PageSize': 1})
out['v1Pages'] = [[c['Key'] for c in p.get('Contents', [])] + [c['Prefix'] for c in p.get('CommonPrefixes', [])] for p in pages]

url = s3.generate_presigned_url('get_object', Params={'Bucket': bucket, 'Key': 'page/03 file+name.txt'}, ExpiresIn=60)
out['presignedGet'] = urllib.request.urlopen(url).read().decode()
url = s3.generate_presigned_url('put_object', Params={'Bucket': bucket, 'Key': 'by-url.txt'}, ExpiresIn=60)
out['presignedPut'] = urllib.request.urlopen(urllib.request.Request(url, data=b'put by url', method='PUT')).status
out['presignedPutBody'] = s3.get_object(Bucket=bucket, Key='by-url.txt')['Body'].read().decode()

s3.copy({'Bucket': bucket, 'Key': 'big.bin'}, bucket, 'big-copy.bin', Config=transfer)
out['copySize'] = s3.head_object(Bucket=bucket, Key='big-copy.bin')['ContentLength']
s3.copy_object(Bucket=bucket, Key='small-copy.txt', CopySource={'Bucket': bucket, 'Key': 'page/01 file+name.txt'})
out['smallCopy'] = s3.get_object(Bucket=bucket, Key='small-copy.txt')['Body'].read().decode()

deleted = s3.delete_objects(Bucket=bucket, Delete={'Objects': [{'Key': f'page/{i:02d} file+name.txt'} for i in range(7)]})
out['deleted'] = sorted(d['Key'] for d in deleted.get('Deleted', []))
try:
    s3.get_object(Bucket=bucket, Key='page/00 file+name.txt')
    out['missing'] = 'found'
except s3.exceptions.NoSuchKey:
    out['missing'] = 'NoSuchKey'

for o in s3.list_objects_v2(Bucket=bucket).get('Contents', []):
    s3.delete_object(Bucket=bucket, Key=o['Key'])
s3.delete_bucket(Bucket=bucket)
out['bucketGone'] = bucket not in [b['Name'] for b in s3.list_buckets()['Buckets']]
print(json.dumps(out))
