"""boto3 as it comes against the s3gate door: default presigned URLs (SigV2 in us-east-1) and SigV2 header auth.

Usage: python3 boto3_sigv2.py <endpoint> <access key id> <secret> <bucket>
Prints one JSON line: presigned URLs for the caller to use, and what SigV2-signed calls returned.
"""
import json
import sys
import urllib.request

import boto3
from botocore.config import Config

endpoint, key_id, secret, bucket = sys.argv[1:5]
creds = dict(endpoint_url=endpoint, region_name='us-east-1', aws_access_key_id=key_id, aws_secret_access_key=secret)
# No signature_version: what every boto3 user who presigns with defaults gets.
plain = boto3.client('s3', **creds)
out = {'boto3': boto3.__version__}
out['getUrl'] = plain.generate_presigned_url('get_object', Params={'Bucket': bucket, 'Key': 'pre.txt'}, ExpiresIn=300)
out['getOverrideUrl'] = plain.generate_presigned_url('get_object', Params={'Bucket': bucket, 'Key': 'pre.txt', 'ResponseContentType': 'text/x-over ride'}, ExpiresIn=300)
out['putUrl'] = plain.generate_presigned_url('put_object', Params={'Bucket': bucket, 'Key': 'put by url.txt'}, ExpiresIn=300)
out['expiredUrl'] = plain.generate_presigned_url('get_object', Params={'Bucket': bucket, 'Key': 'pre.txt'}, ExpiresIn=-60)
out['putTypedUrl'] = plain.generate_presigned_url('put_object', Params={'Bucket': bucket, 'Key': 'typed.txt', 'ContentType': 'text/csv', 'Metadata': {'by': 'boto3'}}, ExpiresIn=300)

# SigV2 in the Authorization header (signature_version='s3').
v2 = boto3.client('s3', **creds, config=Config(signature_version='s3', retries={'max_attempts': 1}))
v2.put_object(Bucket=bucket, Key='pre.txt', Body=b'hello sigv2', Metadata={'a': 'b'}, ContentType='text/plain')
got = v2.get_object(Bucket=bucket, Key='pre.txt', ResponseCacheControl='no-store')
out['get'] = [got['Body'].read().decode(), got['Metadata'], got['ContentType'], got['CacheControl']]
out['list'] = [o['Key'] for o in v2.list_objects(Bucket=bucket, Prefix='pre')['Contents']]
v2.copy_object(Bucket=bucket, Key='copy.txt', CopySource={'Bucket': bucket, 'Key': 'pre.txt'})
# botocore 1.29 (Debian's boto3 1.26) signs some resources with SigV2 as no server can verify them
# (`/b/k?uploads?uploads` for CreateMultipartUpload, `/b?list-type=2` for ListObjectsV2); later botocore
# signs them as S3 specifies. Presigned URLs and the other calls here are right in both.
if tuple(int(n) for n in boto3.__version__.split('.')[:2]) >= (1, 30):
    mp = v2.create_multipart_upload(Bucket=bucket, Key='mp.bin')
    part = v2.upload_part(Bucket=bucket, Key='mp.bin', UploadId=mp['UploadId'], PartNumber=1, Body=b'x' * 1024)
    v2.complete_multipart_upload(Bucket=bucket, Key='mp.bin', UploadId=mp['UploadId'], MultipartUpload={'Parts': [{'PartNumber': 1, 'ETag': part['ETag']}]})
    out['multipart'] = v2.head_object(Bucket=bucket, Key='mp.bin')['ContentLength']
else:
    v2.put_object(Bucket=bucket, Key='mp.bin', Body=b'x' * 1024)
    out['multipart'] = None
v2.delete_object(Bucket=bucket, Key='copy.txt')
out['keys'] = sorted(o['Key'] for o in v2.list_objects(Bucket=bucket)['Contents'])
print(json.dumps(out))
