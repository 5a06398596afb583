// Generated from openapi.yaml by openapi-typescript (npm run openapi); do not edit.

export interface paths {
    "/healthz": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The process is alive */
        get: operations["healthz"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/readyz": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The state store answers */
        get: operations["readyz"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/metrics": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Prometheus metrics: HTTP and S3 request histograms, per-tenant pool gauges. With S3GATE_METRICS_TOKEN set, send it as Authorization: Bearer <token> (401 otherwise) */
        get: operations["metrics"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/admin/tenants/{id}/s3-keys": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The tenant's S3 access keys, without secrets */
        get: operations["listS3Keys"];
        put?: never;
        /** A new S3 access key pair for the tenant; the secret is shown only here */
        post: operations["createS3Key"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/admin/tenants/{id}/s3-keys/{accessKeyId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /** Revoke an S3 access key, at once in every process */
        delete: operations["revokeS3Key"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/admin/tenants": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: operations["listTenants"];
        put?: never;
        /** Create a tenant and its first API key (shown once) */
        post: operations["createTenant"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/admin/tenants/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: operations["getTenant"];
        put?: never;
        post?: never;
        /** Delete a tenant and everything of it in the gateway (keys, webhooks, deliveries and attempts, events, ingest token, notification wiring) in one transaction; removes the native notifications it wired on the backend; closes its pool */
        delete: operations["deleteTenant"];
        options?: never;
        head?: never;
        /** Change settings; new requests use them at once, in-flight ones finish on the old client */
        patch: operations["updateTenant"];
        trace?: never;
    };
    "/admin/tenants/{id}/keys": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The tenant's API keys: ids and dates, never the keys */
        get: operations["listApiKeys"];
        put?: never;
        /** A new API key (shown once) */
        post: operations["createApiKey"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/admin/tenants/{id}/keys/{keyId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /** Revoke an API key */
        delete: operations["revokeApiKey"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/admin/tenants/{id}/ingest-token": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** A secret URL path for native S3 notifications of this tenant; the previous token stops working */
        post: operations["createIngestToken"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/admin/tenants/{id}/health": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One cheap S3 call (ListBuckets) with the tenant's settings, even while its circuit is open: its latency and error, and the circuit's state */
        get: operations["getTenantHealth"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/admin/tenants/{id}/pool": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Live pool figures of this tenant */
        get: operations["getTenantPool"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/admin/master-key/rotate": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Seal every secret again with S3GATE_MASTER_KEY
         * @description Rotation without downtime: start every process with the new key as S3GATE_MASTER_KEY and the old one as S3GATE_MASTER_KEY_PREVIOUS (each opens both), call this once (any process; it is safe to repeat), then restart them without S3GATE_MASTER_KEY_PREVIOUS. Secrets are sealed again in batches of `batch` rows, one short transaction each, while tenants keep working.
         */
        post: operations["rotateMasterKey"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/admin/stats": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Every request this process answered, its tenants ranked by traffic or errors, its pools' use over time */
        get: operations["getAdminStats"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/ingest/s3/{token}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Receives native S3 notifications: S3 event Records (AWS, Ceph RGW, MinIO), SNS messages, EventBridge events
         * @description The token is checked before the body is read (401 without reading it). A body is at most 1024000 bytes (413): 100 records of up to 10 KiB each.
         */
        post: operations["ingestS3Events"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/buckets": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: operations["listBuckets"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/buckets/{bucket}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        /** Create a bucket: 201, or 200 when this tenant already has it */
        put: operations["createBucket"];
        post?: never;
        /** Delete a bucket: 409 when not empty unless force=true */
        delete: operations["deleteBucket"];
        options?: never;
        /** 200 when the bucket exists for this tenant, else 404 */
        head: operations["headBucket-head"];
        patch?: never;
        trace?: never;
    };
    "/v1/buckets/{bucket}/objects": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: operations["listObjects"];
        put?: never;
        /** multipart/form-data: each file is stored at the prefix field + its filename, or at the key field for a single file */
        post: operations["uploadObjects"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/buckets/{bucket}/notifications": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Whether native S3 notifications of this bucket reach the gateway */
        get: operations["getBucketNotifications"];
        /** Wire (or unwire) the bucket's native notifications to the gateway: an RGW topic pushing to the tenant's ingest URL under S3GATE_PUBLIC_URL */
        put: operations["setBucketNotifications"];
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/buckets/{bucket}/objects/{key}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Stream an object (or one version of it); Range → 206, If-None-Match → 304, If-Match mismatch → 412 */
        get: operations["getObject"];
        /** Stream the raw body into an object; x-meta-* headers become metadata; If-Match / If-None-Match make the write conditional */
        put: operations["putObject"];
        post?: never;
        /** 204, also when the key is absent; with versionId, that version (or delete marker) only (S3 backends) */
        delete: operations["deleteObject"];
        options?: never;
        /** The same headers as GET, no body */
        head: operations["headObject-head"];
        patch?: never;
        trace?: never;
    };
    "/v1/buckets/{bucket}/delete": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Delete up to 1000 keys in one call */
        post: operations["deleteObjects"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/copy": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Copy (or move) an object within the tenant */
        post: operations["copyObject"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/presign": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** A presigned GET or PUT URL; for S3 tenants it points at their S3 endpoint, so bytes bypass the gateway */
        post: operations["presign"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/buckets/{bucket}/versions": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A page of the bucket's versions and delete markers, newest first for each key (S3 backends; 400 S3GATE_NEEDS_S3_BACKEND on the disk driver) */
        get: operations["listObjectVersions"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/buckets/{bucket}/tags/{key}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The object's tags */
        get: operations["getObjectTags"];
        /** Replace the object's tags (at most 10); records s3:ObjectTagging:Put */
        put: operations["putObjectTags"];
        post?: never;
        /** Remove the object's tags; records s3:ObjectTagging:Delete */
        delete: operations["deleteObjectTags"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/events": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The tenant's recent object events, oldest first, for consumers that poll and for replay */
        get: operations["listEvents"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/webhooks": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The subscriptions, in id order, a page at a time */
        get: operations["listWebhooks"];
        put?: never;
        /** Subscribe a URL to object events; the secret is shown only here */
        post: operations["createWebhook"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/webhooks/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: operations["getWebhook"];
        put?: never;
        post?: never;
        /** Unsubscribe; pending deliveries are dropped */
        delete: operations["deleteWebhook"];
        options?: never;
        head?: never;
        patch: operations["updateWebhook"];
        trace?: never;
    };
    "/v1/webhooks/{id}/rotate-secret": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** A new secret; for 24 h deliveries carry signatures by the old and the new one */
        post: operations["rotateWebhookSecret"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/webhooks/{id}/test": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Send a signed s3:TestEvent now and report the answer */
        post: operations["testWebhook"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/webhooks/{id}/deliveries": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get: operations["listDeliveries"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/webhooks/{id}/deliveries/{deliveryId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** One delivery with every attempt */
        get: operations["getDelivery"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/webhooks/{id}/deliveries/{deliveryId}/retry": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Deliver again now */
        post: operations["retryDelivery"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/webhooks/{id}/replay": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Send again every logged event since a time (until another) that the subscription matches */
        post: operations["replayWebhook"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/s3-keys": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** This tenant's S3 access keys, without secrets */
        get: operations["listOwnS3Keys"];
        put?: never;
        /** A new S3 access key pair for this tenant; the secret is shown only here */
        post: operations["createOwnS3Key"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/s3-keys/{accessKeyId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /** Revoke an S3 access key, at once in every process */
        delete: operations["revokeOwnS3Key"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/stats": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** This tenant's requests, errors, bytes, latency, events, deliveries, pool use and rate-limit refusals: per 10 s over 10 minutes or per minute over an hour, counted by this process or, with REDIS_URL, by every process */
        get: operations["getStats"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/webhooks/{id}/stats": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A subscription's delivery outcomes and latency over time, as attempted by this process */
        get: operations["getWebhookStats"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/presigned/{bucket}/{key}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Download through a gateway-presigned URL (disk driver) */
        get: operations["getPresigned"];
        /** Upload through a gateway-presigned URL (disk driver) */
        put: operations["putPresigned"];
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/uploads": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * tus creation (and creation-with-upload): start a resumable upload of Upload-Length bytes
         * @description Send `Tus-Resumable: 1.0.0`, `Upload-Length` and `Upload-Metadata` (comma-separated `name base64(value)` pairs): `bucket`, `key` (or `filename` under an optional `prefix`), `contentType` (or `filetype`, or `type`, as Uppy sends), `ifNoneMatch` (`*`: store only if the key is absent; checked at creation and at completion) and `meta-NAME` for each user metadata entry. With an API key (Authorization: Bearer) or a presigned URL (POST /v1/presign with method TUS: it fixes bucket and key). A body with `Content-Type: application/offset+octet-stream` is the first bytes (creation-with-upload). The upload is one S3 multipart upload in the tenant's bucket, through its pool, upload slots and limits; it expires (and is aborted) after S3GATE_MULTIPART_MAX_AGE_HOURS.
         */
        post: operations["tusCreate"];
        delete?: never;
        /** tus discovery: the protocol version, extensions, checksum algorithms and this tenant's largest upload (no credentials needed) */
        options: operations["tusOptions"];
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/uploads/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /** tus termination: abort the multipart upload in S3 and forget the upload; its URL answers 404 afterwards */
        delete: operations["tusTerminate"];
        /** tus discovery at an upload URL */
        options: operations["tusUploadOptions"];
        /** The upload's offset: where to resume. Any gateway process answers it from the state store; it never waits for a writer */
        head: operations["tusOffset-head"];
        /**
         * Append bytes at Upload-Offset (Content-Type: application/offset+octet-stream); the last byte completes the object
         * @description Only one request writes an upload at a time, across processes: another gets 423 S3GATE_UPLOAD_LOCKED (a writer whose process died frees it after S3GATE_TUS_LOCK_TTL_MS). A wrong offset gets 409, bytes past Upload-Length 413, an Upload-Length header 400 (the length is fixed at creation), an expired upload 410. `Upload-Checksum: sha1|sha256|md5 <base64>` stores nothing unless the whole body matches (460 S3GATE_CHECKSUM_MISMATCH). Without one, every stored part counts when the connection drops, and so do bytes held past the last part. Completion records s3:ObjectCreated:CompleteMultipartUpload once.
         */
        patch: operations["tusAppend"];
        trace?: never;
    };
    "/graphql": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** A GraphQL query in the query string; WebSocket upgrade (graphql-transport-ws) for subscriptions */
        get: operations["graphqlGet"];
        put?: never;
        /** A GraphQL query or mutation (schema: src/schema/schema.graphql, GraphiQL: /graphiql) */
        post: operations["graphqlPost"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: {
        ErrorResponse: {
            /** @example 404 */
            statusCode: number;
            /**
             * @description Stable error code; the list is in the components of this document
             * @example S3GATE_BUCKET_NOT_FOUND
             * @enum {string}
             */
            code: "S3GATE_ADMIN_UNAUTHORIZED" | "S3GATE_BUCKET_ALREADY_EXISTS" | "S3GATE_BUCKET_NOT_EMPTY" | "S3GATE_BUCKET_NOT_FOUND" | "S3GATE_CHECKSUM_MISMATCH" | "S3GATE_CLIENT_CLOSED" | "S3GATE_CONSOLE_UNAVAILABLE" | "S3GATE_CONTENT_TOO_LARGE" | "S3GATE_CSRF_BLOCKED" | "S3GATE_DELIVERY_NOT_FOUND" | "S3GATE_GRAPHQL_INVALID" | "S3GATE_GRAPHQL_TOO_COSTLY" | "S3GATE_HEADERS_TOO_LARGE" | "S3GATE_INGEST_UNAUTHORIZED" | "S3GATE_INTERNAL" | "S3GATE_INVALID_BUCKET_NAME" | "S3GATE_INVALID_CURSOR" | "S3GATE_INVALID_EVENT" | "S3GATE_INVALID_JSON" | "S3GATE_INVALID_KEY" | "S3GATE_INVALID_METADATA" | "S3GATE_INVALID_PART" | "S3GATE_INVALID_PART_NUMBER" | "S3GATE_INVALID_PART_ORDER" | "S3GATE_INVALID_TAG" | "S3GATE_INVALID_TENANT" | "S3GATE_INVALID_UPLOAD" | "S3GATE_INVALID_WEBHOOK_URL" | "S3GATE_KEY_NOT_FOUND" | "S3GATE_MALFORMED_REQUEST" | "S3GATE_METRICS_UNAUTHORIZED" | "S3GATE_NEEDS_S3_BACKEND" | "S3GATE_NOTIFICATIONS_UNSUPPORTED" | "S3GATE_NOT_TEXT" | "S3GATE_NO_SUCH_UPLOAD" | "S3GATE_OBJECT_NOT_FOUND" | "S3GATE_OFFSET_CONFLICT" | "S3GATE_PART_READ_UNSUPPORTED" | "S3GATE_PART_TOO_SMALL" | "S3GATE_PAYLOAD_TOO_LARGE" | "S3GATE_PRECONDITION_FAILED" | "S3GATE_PRECONDITION_UNSUPPORTED" | "S3GATE_PRESIGN_INVALID" | "S3GATE_PRESIGN_USED" | "S3GATE_RANGE_NOT_SATISFIABLE" | "S3GATE_RATE_LIMITED" | "S3GATE_REQUEST_TIMEOUT" | "S3GATE_ROUTE_NOT_FOUND" | "S3GATE_S3_KEY_NOT_FOUND" | "S3GATE_SHUTTING_DOWN" | "S3GATE_TENANT_BUSY" | "S3GATE_TENANT_EXISTS" | "S3GATE_TENANT_NOT_FOUND" | "S3GATE_TENANT_UNAVAILABLE" | "S3GATE_TENANT_VERIFICATION_FAILED" | "S3GATE_TEXT_TOO_LARGE" | "S3GATE_TOO_MANY_KEYS" | "S3GATE_TOO_MANY_LOOKUPS" | "S3GATE_TOO_MANY_RECORDS" | "S3GATE_TOO_MANY_RESUMABLE_UPLOADS" | "S3GATE_TOO_MANY_SUBSCRIPTIONS" | "S3GATE_TOO_MANY_UPLOADS" | "S3GATE_TUS_INVALID" | "S3GATE_TUS_UNSUPPORTED" | "S3GATE_TUS_VERSION" | "S3GATE_UNAUTHORIZED" | "S3GATE_UNSUPPORTED_MEDIA_TYPE" | "S3GATE_UPLOAD_EXPIRED" | "S3GATE_UPLOAD_LOCKED" | "S3GATE_UPLOAD_NOT_FOUND" | "S3GATE_UPSTREAM_CREDENTIALS" | "S3GATE_UPSTREAM_ERROR" | "S3GATE_UPSTREAM_TIMEOUT" | "S3GATE_UPSTREAM_UNAVAILABLE" | "S3GATE_URL_TOO_LONG" | "S3GATE_VALIDATION" | "S3GATE_VERSION_NOT_FOUND" | "S3GATE_WEBHOOK_NOT_FOUND";
            /**
             * @description HTTP reason phrase
             * @example Not Found
             */
            error: string;
            /** @description What went wrong and what to do about it */
            message: string;
            /** @description What the tenant's S3 endpoint answered (S3GATE_TENANT_VERIFICATION_FAILED) */
            upstream?: {
                /** @description S3's (or STS's) error code, or the network error */
                code: string;
                message: string;
                status: number | null;
            };
        };
        Tenant: {
            id: string;
            driver: "s3" | "disk";
            s3?: {
                endpoint: string | null;
                /** @default us-east-1 */
                region: string;
                /** @description Path-style URLs; defaults to true when endpoint is set (RGW, MinIO), false for AWS */
                forcePathStyle: boolean;
                /** @description For static credentials */
                accessKeyId?: string;
                /** @description The credential source, without any secret */
                credentials: {
                    type: "static" | "assumeRole" | "default";
                    accessKeyId?: string;
                    roleArn?: string;
                    sessionName?: string;
                    durationSeconds?: number;
                    stsEndpoint?: string;
                    /** @description Whether an external id is set (its value is never shown) */
                    externalId?: boolean;
                    source?: "default" | {
                        accessKeyId: string;
                    };
                };
                proxy?: {
                    /** @description Without its password */
                    url: string;
                    noProxy: string[];
                };
                maxAttempts: number;
                retryMode: "standard" | "adaptive";
                tls?: {
                    /** @description SHA-256 of the CA bundle */
                    caBundleSha256?: string;
                    rejectUnauthorized: boolean;
                };
            };
            pool: {
                /**
                 * @description Sockets of this tenant's HTTP agent (its S3 concurrency)
                 * @default 50
                 */
                maxSockets: number;
                /**
                 * @description Requests admitted beyond maxSockets; more get 503 with Retry-After
                 * @default 200
                 */
                maxQueue: number;
                /** @default 5000 */
                connectTimeoutMs: number;
                /**
                 * @description Socket inactivity timeout of one S3 request
                 * @default 30000
                 */
                requestTimeoutMs: number;
            };
            limits: {
                /** @description Largest object (bytes) this tenant may upload */
                maxObjectSize: number;
                /** @description Sustained API requests per second; 0: no limit. Default S3GATE_RATE_LIMIT_RPS */
                requestsPerSecond: number;
                /** @description Requests allowed at once above the rate (the bucket size). Default S3GATE_RATE_LIMIT_BURST, or twice the rate */
                burst: number;
                /** @description Uploads in progress at once, per gateway process; 0: no cap. Default S3GATE_MAX_CONCURRENT_UPLOADS */
                maxConcurrentUploads: number;
                /** @description Unfinished resumable (tus) uploads at once, in all processes (each holds a multipart upload and up to one part of bytes in the state store); 0: no cap. Default S3GATE_MAX_RESUMABLE_UPLOADS */
                maxResumableUploads: number;
            };
            /** @description Bumped by every change; a change takes effect without a restart */
            version: number;
            /** Format: date-time */
            createdAt: string;
            /** Format: date-time */
            updatedAt: string;
        };
        ObjectEvent: {
            /** @description evt_ + ULID: unique, ordered by time; the webhook-id of its deliveries */
            id: string;
            type: "s3:ObjectCreated:Put" | "s3:ObjectCreated:Post" | "s3:ObjectCreated:Copy" | "s3:ObjectCreated:CompleteMultipartUpload" | "s3:ObjectRemoved:Delete" | "s3:ObjectRemoved:DeleteMarkerCreated" | "s3:ObjectTagging:Put" | "s3:ObjectTagging:Delete" | "s3:ObjectAcl:Put";
            /** Format: date-time */
            timestamp: string;
            data: {
                tenant: string;
                bucket: string;
                /** @description The plain (decoded) key */
                key: string;
                size: number | null;
                etag: string | null;
                versionId: string | null;
                sequencer: string | null;
                source: "gateway" | "native";
            };
        };
        Webhook: {
            id: string;
            /** @description From the URL scheme: http(s) webhook, amqp(s) AMQP 0-9-1, nats or tls NATS JetStream, mqtt(s) MQTT, redis(s) Redis Streams */
            kind: "webhook" | "amqp" | "nats" | "mqtt" | "redis";
            /** @description The endpoint or broker, without a password */
            url: string;
            events: string[];
            filter: {
                /** @description Only events of this bucket */
                bucket?: string;
                /** @description Only keys that start with this */
                prefix?: string;
                /** @description Only keys that end with this */
                suffix?: string;
            };
            /** @description json: the event as GET /v1/events answers it; cloudevents: CloudEvents 1.0 with the event as data (binary mode with ce-* headers on webhooks, structured JSON on queues) */
            format: "json" | "cloudevents";
            destination: {
                /** @description AMQP: the exchange published to (default amq.topic; "" is the default exchange) */
                exchange?: string;
                /** @description AMQP: the routing key: a template of {tenant}, {bucket}, {key}, {type} (s3:ObjectCreated:Put) and {eventName} (ObjectCreated:Put), e.g. {bucket}.{eventName} */
                routingKey?: string;
                /** @description NATS: the subject, which a JetStream stream must take: a template of {tenant}, {bucket}, {key}, {type} (s3:ObjectCreated:Put) and {eventName} (ObjectCreated:Put), e.g. s3gate.{tenant}.{bucket} */
                subject?: string;
                /** @description NATS: more servers of the cluster (host:port), beside the URL's; each passes the same address rules */
                servers?: string[];
                /** @description MQTT: the topic (QoS 1): a template of {tenant}, {bucket}, {key}, {type} (s3:ObjectCreated:Put) and {eventName} (ObjectCreated:Put), e.g. s3gate/{bucket}/{key} */
                topic?: string;
                /** @description MQTT: 4 (3.1.1) or 5 (default); signature headers travel as MQTT 5 user properties */
                mqttVersion?: number;
                /** @description Redis: the stream key: a template of {tenant}, {bucket}, {key}, {type} (s3:ObjectCreated:Put) and {eventName} (ObjectCreated:Put), e.g. s3gate:{tenant} */
                stream?: string;
                /** @description Redis: XADD MAXLEN ~ bound (default 100000) */
                maxLen?: number;
                /** @description The broker user (also taken from the URL) */
                username?: string;
            };
            description: string | null;
            enabled: boolean;
            /** @description Why the subscription was disabled */
            disabledReason: string | null;
            /** Format: date-time */
            createdAt: string;
            /** Format: date-time */
            updatedAt: string;
        };
        Delivery: {
            id: string;
            eventId: string;
            type: string;
            /** @description pending: not tried yet; failed: tried, retry scheduled; delivered; dead: given up */
            status: "pending" | "delivered" | "failed" | "dead";
            attempts: number;
            /** @description HTTP status of the last attempt (null for a broker destination, and for a webhook that did not answer) */
            lastStatus: number | null;
            lastError: string | null;
            nextAttemptAt: string | null;
            /** Format: date-time */
            createdAt: string;
            /** Format: date-time */
            updatedAt: string;
        };
        /** @description Milliseconds, estimated from a histogram of buckets doubling from 0.5 ms: within a factor of 2, interpolated inside it */
        StatsPercentiles: {
            p50: number;
            p90: number;
            p99: number;
        };
        /** @description Answers by status class */
        StatsByClass: {
            "2xx": number;
            "3xx": number;
            "4xx": number;
            "5xx": number;
        };
    };
    responses: never;
    parameters: never;
    requestBodies: never;
    headers: never;
    pathItems: never;
}
export type $defs = Record<string, never>;
export interface operations {
    healthz: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        status: string;
                    };
                };
            };
            /** @description The request was refused; `code` says why and `message` what to fix */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description The gateway or the tenant's S3 endpoint failed; `code` says which */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
        };
    };
    readyz: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        status: string;
                    };
                };
            };
            /** @description Default Response */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        status: string;
                    };
                };
            };
        };
    };
    metrics: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "text/plain": string;
                };
            };
            /** @description Default Response */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "text/plain": components["schemas"]["ErrorResponse"];
                };
            };
        };
    };
    listS3Keys: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        s3Keys: {
                            accessKeyId: string;
                            /** Format: date-time */
                            createdAt: string;
                            revokedAt: string | null;
                        }[];
                    };
                };
            };
            /** @description The request was refused; `code` says why and `message` what to fix */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description The gateway or the tenant's S3 endpoint failed; `code` says which */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
        };
    };
    createS3Key: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @description S3G…, 20 characters: the access key id S3 clients send */
                        accessKeyId: string;
                        /** @description Shown only in this response; sealed at rest */
                        secretAccessKey: string;
                    };
                };
            };
            /** @description The request was refused; `code` says why and `message` what to fix */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description The gateway or the tenant's S3 endpoint failed; `code` says which */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
        };
    };
    revokeS3Key: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
                accessKeyId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description No body */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description The request was refused; `code` says why and `message` what to fix */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description The gateway or the tenant's S3 endpoint failed; `code` says which */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
        };
    };
    listTenants: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        tenants: components["schemas"]["Tenant"][];
                    };
                };
            };
            /** @description The request was refused; `code` says why and `message` what to fix */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description The gateway or the tenant's S3 endpoint failed; `code` says which */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
        };
    };
    createTenant: {
        parameters: {
            query?: {
                /** @description Check the S3 settings with one cheap S3 call (ListBuckets) first: 422 with S3's answer, and nothing saved, when they do not work */
                verify?: boolean;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /** @description Lower-case letters, digits, - and _; 1 to 63 characters */
                    id: string;
                    /** @description 's3' (needs s3) or 'disk' (the local-disk driver); defaults to s3 when s3 is given */
                    driver?: "s3" | "disk";
                    /** @description Credentials: either accessKeyId + secretAccessKey (static), or credentials */
                    s3?: {
                        /**
                         * Format: uri
                         * @description S3 endpoint; omit for AWS S3
                         */
                        endpoint?: string;
                        /** @default us-east-1 */
                        region?: string;
                        /** @description Path-style URLs; defaults to true when endpoint is set (RGW, MinIO), false for AWS */
                        forcePathStyle?: boolean;
                        accessKeyId?: string;
                        secretAccessKey?: string;
                        /** @description For keys that are themselves temporary */
                        sessionToken?: string;
                        /** @description Where the S3 credentials of this tenant come from; instead of the flat accessKeyId/secretAccessKey */
                        credentials?: {
                            /** @enum {string} */
                            type: "static";
                            accessKeyId: string;
                            secretAccessKey: string;
                            /** @description For keys that are themselves temporary */
                            sessionToken?: string;
                        } | {
                            /** @enum {string} */
                            type: "assumeRole";
                            /** @description arn:aws:iam::123456789012:role/NAME (arn:aws:iam:::role/NAME on RGW) */
                            roleArn: string;
                            /** @description Sent with AssumeRole when the role's trust policy requires it */
                            externalId?: string;
                            /** @description Defaults to s3gate-<tenant id> */
                            sessionName?: string;
                            /** @description Lifetime of the temporary credentials (STS default: 3600) */
                            durationSeconds?: number;
                            /** @description Whose credentials call STS */
                            source: "default" | {
                                /** @enum {string} */
                                type?: "static";
                                accessKeyId: string;
                                secretAccessKey: string;
                                /** @description For keys that are themselves temporary */
                                sessionToken?: string;
                            };
                            /**
                             * Format: uri
                             * @description STS endpoint; defaults to the tenant's endpoint when it has one (RGW, MinIO), else AWS STS of the region
                             */
                            stsEndpoint?: string;
                        } | {
                            /**
                             * @description The gateway process's own AWS default provider chain; refused unless S3GATE_ALLOW_DEFAULT_CREDENTIALS=true
                             * @enum {string}
                             */
                            type: "default";
                        };
                        /** @description The proxy, or just its URL (no exclusions); null removes it */
                        proxy?: {
                            /**
                             * Format: uri
                             * @description http://[user:password@]host:port of an HTTP(S) forward proxy
                             */
                            url: string;
                            /** @description Hosts reached directly: exact names, .suffix or *.suffix, or * */
                            noProxy?: string[];
                        } | string | null;
                        /** @description Attempts of a retryable S3 request (connection errors, 5xx, throttling); default S3GATE_S3_MAX_ATTEMPTS */
                        maxAttempts?: number;
                        /** @description The AWS SDK's retry mode; adaptive also paces requests after throttling */
                        retryMode?: "standard" | "adaptive";
                        /** @description null removes it */
                        tls?: {
                            /** @description PEM certificates trusted (besides the system ones) for this tenant's endpoint: a private CA */
                            caBundle?: string;
                            /** @description false turns certificate verification off; refused unless S3GATE_ALLOW_INSECURE_TLS=true, and logged as a warning */
                            rejectUnauthorized?: boolean;
                        } | null;
                    };
                    pool?: {
                        /**
                         * @description Sockets of this tenant's HTTP agent (its S3 concurrency)
                         * @default 50
                         */
                        maxSockets?: number;
                        /**
                         * @description Requests admitted beyond maxSockets; more get 503 with Retry-After
                         * @default 200
                         */
                        maxQueue?: number;
                        /** @default 5000 */
                        connectTimeoutMs?: number;
                        /**
                         * @description Socket inactivity timeout of one S3 request
                         * @default 30000
                         */
                        requestTimeoutMs?: number;
                    };
                    limits?: {
                        /** @description Largest object (bytes) this tenant may upload */
                        maxObjectSize?: number;
                        /** @description Sustained API requests per second; 0: no limit. Default S3GATE_RATE_LIMIT_RPS */
                        requestsPerSecond?: number;
                        /** @description Requests allowed at once above the rate (the bucket size). Default S3GATE_RATE_LIMIT_BURST, or twice the rate */
                        burst?: number;
                        /** @description Uploads in progress at once, per gateway process; 0: no cap. Default S3GATE_MAX_CONCURRENT_UPLOADS */
                        maxConcurrentUploads?: number;
                        /** @description Unfinished resumable (tus) uploads at once, in all processes (each holds a multipart upload and up to one part of bytes in the state store); 0: no cap. Default S3GATE_MAX_RESUMABLE_UPLOADS */
                        maxResumableUploads?: number;
                    };
                };
            };
        };
        responses: {
            /** @description Default Response */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        id: string;
                        driver: "s3" | "disk";
                        s3?: {
                            endpoint: string | null;
                            /** @default us-east-1 */
                            region: string;
                            /** @description Path-style URLs; defaults to true when endpoint is set (RGW, MinIO), false for AWS */
                            forcePathStyle: boolean;
                            /** @description For static credentials */
                            accessKeyId?: string;
                            /** @description The credential source, without any secret */
                            credentials: {
                                type: "static" | "assumeRole" | "default";
                                accessKeyId?: string;
                                roleArn?: string;
                                sessionName?: string;
                                durationSeconds?: number;
                                stsEndpoint?: string;
                                /** @description Whether an external id is set (its value is never shown) */
                                externalId?: boolean;
                                source?: "default" | {
                                    accessKeyId: string;
                                };
                            };
                            proxy?: {
                                /** @description Without its password */
                                url: string;
                                noProxy: string[];
                            };
                            maxAttempts: number;
                            retryMode: "standard" | "adaptive";
                            tls?: {
                                /** @description SHA-256 of the CA bundle */
                                caBundleSha256?: string;
                                rejectUnauthorized: boolean;
                            };
                        };
                        pool: {
                            /**
                             * @description Sockets of this tenant's HTTP agent (its S3 concurrency)
                             * @default 50
                             */
                            maxSockets: number;
                            /**
                             * @description Requests admitted beyond maxSockets; more get 503 with Retry-After
                             * @default 200
                             */
                            maxQueue: number;
                            /** @default 5000 */
                            connectTimeoutMs: number;
                            /**
                             * @description Socket inactivity timeout of one S3 request
                             * @default 30000
                             */
                            requestTimeoutMs: number;
                        };
                        limits: {
                            /** @description Largest object (bytes) this tenant may upload */
                            maxObjectSize: number;
                            /** @description Sustained API requests per second; 0: no limit. Default S3GATE_RATE_LIMIT_RPS */
                            requestsPerSecond: number;
                            /** @description Requests allowed at once above the rate (the bucket size). Default S3GATE_RATE_LIMIT_BURST, or twice the rate */
                            burst: number;
                            /** @description Uploads in progress at once, per gateway process; 0: no cap. Default S3GATE_MAX_CONCURRENT_UPLOADS */
                            maxConcurrentUploads: number;
                            /** @description Unfinished resumable (tus) uploads at once, in all processes (each holds a multipart upload and up to one part of bytes in the state store); 0: no cap. Default S3GATE_MAX_RESUMABLE_UPLOADS */
                            maxResumableUploads: number;
                        };
                        /** @description Bumped by every change; a change takes effect without a restart */
                        version: number;
                        /** Format: date-time */
                        createdAt: string;
                        /** Format: date-time */
                        updatedAt: string;
                        /** @description Shown only in this response */
                        apiKey: string;
                        apiKeyId: string;
                    };
                };
            };
            /** @description The request was refused; `code` says why and `message` what to fix */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description The gateway or the tenant's S3 endpoint failed; `code` says which */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
        };
    };
    getTenant: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Tenant"];
                };
            };
            /** @description The request was refused; `code` says why and `message` what to fix */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description The gateway or the tenant's S3 endpoint failed; `code` says which */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
        };
    };
    deleteTenant: {
        parameters: {
            query?: {
                /** @description Disk-driver tenants: delete the tenant's buckets and objects too. Without it they are set aside, out of reach of any future tenant given the same id */
                purgeObjects?: boolean;
            };
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        id: string;
                        notifications: {
                            /** @description Buckets whose native notification (topic and entry) was removed from the backend */
                            removed: string[];
                            /** @description Buckets whose wiring could not be removed, and why: remove them by hand */
                            failed: {
                                bucket: string;
                                error: string;
                            }[];
                        };
                        /** @description Disk-driver tenants only; null for S3 tenants (their objects are in their own S3 account) */
                        objects: {
                            /** @description Objects deleted (purgeObjects=true) */
                            purged: number;
                        } | {
                            /** @description Objects set aside, out of reach of a new tenant with this id */
                            detached: number;
                        } | null;
                    };
                };
            };
            /** @description The request was refused; `code` says why and `message` what to fix */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description The gateway or the tenant's S3 endpoint failed; `code` says which */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
        };
    };
    updateTenant: {
        parameters: {
            query?: {
                /** @description Check the S3 settings with one cheap S3 call (ListBuckets) first: 422 with S3's answer, and nothing saved, when they do not work */
                verify?: boolean;
            };
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /** @description 's3' (needs s3) or 'disk' (the local-disk driver); defaults to s3 when s3 is given */
                    driver?: "s3" | "disk";
                    /** @description Credentials: either accessKeyId + secretAccessKey (static), or credentials */
                    s3?: {
                        /**
                         * Format: uri
                         * @description S3 endpoint; omit for AWS S3
                         */
                        endpoint?: string;
                        /** @default us-east-1 */
                        region?: string;
                        /** @description Path-style URLs; defaults to true when endpoint is set (RGW, MinIO), false for AWS */
                        forcePathStyle?: boolean;
                        accessKeyId?: string;
                        secretAccessKey?: string;
                        /** @description For keys that are themselves temporary */
                        sessionToken?: string;
                        /** @description Where the S3 credentials of this tenant come from; instead of the flat accessKeyId/secretAccessKey */
                        credentials?: {
                            /** @enum {string} */
                            type: "static";
                            accessKeyId: string;
                            secretAccessKey: string;
                            /** @description For keys that are themselves temporary */
                            sessionToken?: string;
                        } | {
                            /** @enum {string} */
                            type: "assumeRole";
                            /** @description arn:aws:iam::123456789012:role/NAME (arn:aws:iam:::role/NAME on RGW) */
                            roleArn: string;
                            /** @description Sent with AssumeRole when the role's trust policy requires it */
                            externalId?: string;
                            /** @description Defaults to s3gate-<tenant id> */
                            sessionName?: string;
                            /** @description Lifetime of the temporary credentials (STS default: 3600) */
                            durationSeconds?: number;
                            /** @description Whose credentials call STS */
                            source: "default" | {
                                /** @enum {string} */
                                type?: "static";
                                accessKeyId: string;
                                secretAccessKey: string;
                                /** @description For keys that are themselves temporary */
                                sessionToken?: string;
                            };
                            /**
                             * Format: uri
                             * @description STS endpoint; defaults to the tenant's endpoint when it has one (RGW, MinIO), else AWS STS of the region
                             */
                            stsEndpoint?: string;
                        } | {
                            /**
                             * @description The gateway process's own AWS default provider chain; refused unless S3GATE_ALLOW_DEFAULT_CREDENTIALS=true
                             * @enum {string}
                             */
                            type: "default";
                        };
                        /** @description The proxy, or just its URL (no exclusions); null removes it */
                        proxy?: {
                            /**
                             * Format: uri
                             * @description http://[user:password@]host:port of an HTTP(S) forward proxy
                             */
                            url: string;
                            /** @description Hosts reached directly: exact names, .suffix or *.suffix, or * */
                            noProxy?: string[];
                        } | string | null;
                        /** @description Attempts of a retryable S3 request (connection errors, 5xx, throttling); default S3GATE_S3_MAX_ATTEMPTS */
                        maxAttempts?: number;
                        /** @description The AWS SDK's retry mode; adaptive also paces requests after throttling */
                        retryMode?: "standard" | "adaptive";
                        /** @description null removes it */
                        tls?: {
                            /** @description PEM certificates trusted (besides the system ones) for this tenant's endpoint: a private CA */
                            caBundle?: string;
                            /** @description false turns certificate verification off; refused unless S3GATE_ALLOW_INSECURE_TLS=true, and logged as a warning */
                            rejectUnauthorized?: boolean;
                        } | null;
                    };
                    pool?: {
                        /**
                         * @description Sockets of this tenant's HTTP agent (its S3 concurrency)
                         * @default 50
                         */
                        maxSockets?: number;
                        /**
                         * @description Requests admitted beyond maxSockets; more get 503 with Retry-After
                         * @default 200
                         */
                        maxQueue?: number;
                        /** @default 5000 */
                        connectTimeoutMs?: number;
                        /**
                         * @description Socket inactivity timeout of one S3 request
                         * @default 30000
                         */
                        requestTimeoutMs?: number;
                    };
                    limits?: {
                        /** @description Largest object (bytes) this tenant may upload */
                        maxObjectSize?: number;
                        /** @description Sustained API requests per second; 0: no limit. Default S3GATE_RATE_LIMIT_RPS */
                        requestsPerSecond?: number;
                        /** @description Requests allowed at once above the rate (the bucket size). Default S3GATE_RATE_LIMIT_BURST, or twice the rate */
                        burst?: number;
                        /** @description Uploads in progress at once, per gateway process; 0: no cap. Default S3GATE_MAX_CONCURRENT_UPLOADS */
                        maxConcurrentUploads?: number;
                        /** @description Unfinished resumable (tus) uploads at once, in all processes (each holds a multipart upload and up to one part of bytes in the state store); 0: no cap. Default S3GATE_MAX_RESUMABLE_UPLOADS */
                        maxResumableUploads?: number;
                    };
                };
            };
        };
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Tenant"];
                };
            };
            /** @description The request was refused; `code` says why and `message` what to fix */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description The gateway or the tenant's S3 endpoint failed; `code` says which */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
        };
    };
    listApiKeys: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @description Oldest first; the keys themselves are never kept, only their hashes */
                        apiKeys: {
                            id: string;
                            /** Format: date-time */
                            createdAt: string;
                            revokedAt: string | null;
                        }[];
                    };
                };
            };
            /** @description The request was refused; `code` says why and `message` what to fix */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description The gateway or the tenant's S3 endpoint failed; `code` says which */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
        };
    };
    createApiKey: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        id: string;
                        /** @description Shown only in this response */
                        apiKey: string;
                    };
                };
            };
            /** @description The request was refused; `code` says why and `message` what to fix */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description The gateway or the tenant's S3 endpoint failed; `code` says which */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
        };
    };
    revokeApiKey: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
                keyId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description No body */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description The request was refused; `code` says why and `message` what to fix */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description The gateway or the tenant's S3 endpoint failed; `code` says which */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
        };
    };
    createIngestToken: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        token: string;
                        /** @description /ingest/s3/{token} */
                        path: string;
                    };
                };
            };
            /** @description The request was refused; `code` says why and `message` what to fix */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description The gateway or the tenant's S3 endpoint failed; `code` says which */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
        };
    };
    getTenantHealth: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        tenant: string;
                        driver: "s3" | "disk";
                        /** @description Whether the call succeeded */
                        ok: boolean;
                        latencyMs: number;
                        /** Format: date-time */
                        checkedAt: string;
                        error: {
                            /** @description S3's error code (InvalidAccessKeyId) or the network error (ECONNREFUSED) */
                            code: string;
                            message: string;
                            /** @description HTTP status of S3's answer; null when there was none */
                            status: number | null;
                            /** @description The S3GATE_ code the tenant's requests get for it */
                            gatewayCode: string;
                        } | null;
                        circuit: {
                            /** @description open: requests fail fast with 503 until one probe succeeds */
                            state: "closed" | "open" | "half-open";
                            consecutiveFailures: number;
                        };
                    };
                };
            };
            /** @description The request was refused; `code` says why and `message` what to fix */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description The gateway or the tenant's S3 endpoint failed; `code` says which */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
        };
    };
    getTenantPool: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        tenant: string;
                        driver: string;
                        /** @description Whether a client is live for this tenant (created on first use) */
                        active: boolean;
                        maxSockets: number;
                        maxQueue: number;
                        /** @description Gateway requests of this tenant holding or waiting for an S3 socket */
                        inFlight: number;
                        sockets: {
                            inUse: number;
                            free: number;
                            /** @description Requests waiting in the agent for a socket */
                            queued: number;
                        };
                        /** @description Clients of older tenant versions still finishing requests */
                        draining: number;
                    };
                };
            };
            /** @description The request was refused; `code` says why and `message` what to fix */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description The gateway or the tenant's S3 endpoint failed; `code` says which */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
        };
    };
    rotateMasterKey: {
        parameters: {
            query: {
                /** @description Rows per transaction */
                batch: number;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @description Secrets sealed again with S3GATE_MASTER_KEY, by table */
                        resealed: {
                            [key: string]: number;
                        };
                        /** @description Secrets already sealed with it */
                        current: number;
                        /** @description Short transactions run, each of at most `batch` rows */
                        batches: number;
                    };
                };
            };
            /** @description The request was refused; `code` says why and `message` what to fix */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description The gateway or the tenant's S3 endpoint failed; `code` says which */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
        };
    };
    getAdminStats: {
        parameters: {
            query?: {
                /** @description 10m: 60 points of 10 seconds; 1h: 60 points of a minute */
                window?: "10m" | "1h";
                /** @description How tenants are ranked */
                sort?: "requests" | "errors";
                /** @description Tenants ranked at most */
                limit?: number;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Every request the gateway answered (tenants, refused keys, health checks, the console), its tenants ranked, its pools */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @description Whose figures these are: `cluster`, every gateway process sharing REDIS_URL (each sends its figures every 2 s, and before answering this); `process`, the answering process's alone (no REDIS_URL, or Redis did not answer) */
                        scope: "process" | "cluster";
                        window: "10m" | "1h";
                        /** @description Each point covers this many seconds from its t */
                        stepSeconds: number;
                        /** @description Oldest first, one per step, the last one still filling; a step with nothing recorded has zeros */
                        points: {
                            /** Format: date-time */
                            t: string;
                            /** @description Answered requests by face (REST, GraphQL, the S3 door, tus) and status class */
                            requests: {
                                rest: components["schemas"]["StatsByClass"];
                                graphql: components["schemas"]["StatsByClass"];
                                s3: components["schemas"]["StatsByClass"];
                                tus: components["schemas"]["StatsByClass"];
                            };
                            /** @description Bytes received on the connection, headers included */
                            bytesIn: number;
                            /** @description Bytes sent, headers included */
                            bytesOut: number;
                            /** @description Time from the request to the end of the answer (milliseconds) */
                            latencyMs: components["schemas"]["StatsPercentiles"] | null;
                            /** @description Events recorded */
                            events: number;
                            /** @description Delivery attempts that ended */
                            deliveries: {
                                succeeded: number;
                                /** @description Attempts that failed (each retry counts) */
                                failed: number;
                            };
                            /** @description From an event's recording to its successful delivery (milliseconds; retries included) */
                            deliveryLatencyMs: components["schemas"]["StatsPercentiles"] | null;
                            /** @description The peak of the S3 sockets in use and of the requests waiting for one (sampled every 2 s; the local-disk driver has none) */
                            pool: {
                                inUse: number;
                                queued: number;
                            };
                            /** @description Requests refused with 429 by the rate limit */
                            rateLimited: number;
                        }[];
                        /** @description The whole window: sums, pool peaks, percentiles of every request */
                        totals: {
                            /** @description Answered requests by face (REST, GraphQL, the S3 door, tus) and status class */
                            requests: {
                                rest: components["schemas"]["StatsByClass"];
                                graphql: components["schemas"]["StatsByClass"];
                                s3: components["schemas"]["StatsByClass"];
                                tus: components["schemas"]["StatsByClass"];
                            };
                            /** @description Bytes received on the connection, headers included */
                            bytesIn: number;
                            /** @description Bytes sent, headers included */
                            bytesOut: number;
                            /** @description Time from the request to the end of the answer (milliseconds) */
                            latencyMs: components["schemas"]["StatsPercentiles"] | null;
                            /** @description Events recorded */
                            events: number;
                            /** @description Delivery attempts that ended */
                            deliveries: {
                                succeeded: number;
                                /** @description Attempts that failed (each retry counts) */
                                failed: number;
                            };
                            /** @description From an event's recording to its successful delivery (milliseconds; retries included) */
                            deliveryLatencyMs: components["schemas"]["StatsPercentiles"] | null;
                            /** @description The peak of the S3 sockets in use and of the requests waiting for one (sampled every 2 s; the local-disk driver has none) */
                            pool: {
                                inUse: number;
                                queued: number;
                            };
                            /** @description Requests refused with 429 by the rate limit */
                            rateLimited: number;
                        };
                        /** @description Per point, the peak of tenants with a live S3 client or disk store */
                        liveTenants: number[];
                        /** @description Tenants with requests in the window, busiest first (sort) */
                        tenants: {
                            tenant: string;
                            requests: number;
                            /** @description 4xx and 5xx answers */
                            errors: number;
                            /** @description 5xx answers */
                            serverErrors: number;
                            bytesIn: number;
                            bytesOut: number;
                            /** @description Null when nothing was measured */
                            latencyMs: components["schemas"]["StatsPercentiles"] | null;
                            rateLimited: number;
                        }[];
                        /** @description The bound on the memory these figures take */
                        tracked: {
                            tenants: number;
                            webhooks: number;
                            /** @description S3GATE_STATS_MAX_SERIES: tenants (and, apart, webhooks) kept at most */
                            limit: number;
                            /** @description Series forgotten to keep the bound (the least recently active first) */
                            evicted: number;
                        };
                    };
                };
            };
            /** @description The request was refused; `code` says why and `message` what to fix */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description The gateway or the tenant's S3 endpoint failed; `code` says which */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
        };
    };
    ingestS3Events: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                token: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @description Events recorded */
                        accepted: number;
                        /** @description Events already recorded (from the gateway's own write, or sent again) */
                        duplicates: number;
                        /** @description Records of other event types, and S3 test events */
                        ignored: number;
                        /** @description An SNS subscription was confirmed */
                        subscribed?: boolean;
                    };
                };
            };
            /** @description The request was refused; `code` says why and `message` what to fix */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description The gateway or the tenant's S3 endpoint failed; `code` says which */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
        };
    };
    listBuckets: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        buckets: {
                            name: string;
                            createdAt: string | null;
                        }[];
                    };
                };
            };
            /** @description The request was refused; `code` says why and `message` what to fix */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description The gateway or the tenant's S3 endpoint failed; `code` says which */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
        };
    };
    createBucket: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Bucket name (S3 naming rules) */
                bucket: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        name: string;
                        /** @description false when this tenant already had the bucket (200) */
                        created: boolean;
                    };
                };
            };
            /** @description Default Response */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        name: string;
                        /** @description false when this tenant already had the bucket (200) */
                        created: boolean;
                    };
                };
            };
            /** @description The request was refused; `code` says why and `message` what to fix */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description The gateway or the tenant's S3 endpoint failed; `code` says which */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
        };
    };
    deleteBucket: {
        parameters: {
            query?: {
                /** @description Delete every object (and unfinished upload) first */
                force?: boolean;
            };
            header?: never;
            path: {
                /** @description Bucket name (S3 naming rules) */
                bucket: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description No body */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description The request was refused; `code` says why and `message` what to fix */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description The gateway or the tenant's S3 endpoint failed; `code` says which */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
        };
    };
    "headBucket-head": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Bucket name (S3 naming rules) */
                bucket: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description No body */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description The request was refused; `code` says why and `message` what to fix */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description The gateway or the tenant's S3 endpoint failed; `code` says which */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
        };
    };
    listObjects: {
        parameters: {
            query?: {
                /** @description Only keys that start with this */
                prefix?: string;
                /** @description Roll keys up into prefixes at this string (usually /) */
                delimiter?: string;
                /** @description Most entries (objects + prefixes) per page */
                limit?: number;
                /** @description nextCursor of the previous page */
                cursor?: string;
            };
            header?: never;
            path: {
                /** @description Bucket name (S3 naming rules) */
                bucket: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        objects: {
                            key: string;
                            size: number;
                            /** @description Without quotes */
                            etag: string;
                            /** Format: date-time */
                            lastModified: string;
                        }[];
                        prefixes: string[];
                        /** @description Pass as cursor for the next page; null on the last page */
                        nextCursor: string | null;
                    };
                };
            };
            /** @description The request was refused; `code` says why and `message` what to fix */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description The gateway or the tenant's S3 endpoint failed; `code` says which */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
        };
    };
    uploadObjects: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Bucket name (S3 naming rules) */
                bucket: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "multipart/form-data": {
                    /** @description Stored at prefix + filename; send before the files */
                    prefix?: string;
                    /** @description The key of a single file; send before the file */
                    key?: string;
                    file?: string[];
                };
            };
        };
        responses: {
            /** @description Default Response */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        objects: {
                            key: string;
                            etag: string;
                            size: number;
                        }[];
                    };
                };
            };
            /** @description The request was refused; `code` says why and `message` what to fix */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description The gateway or the tenant's S3 endpoint failed; `code` says which */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
        };
    };
    getBucketNotifications: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Bucket name (S3 naming rules) */
                bucket: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        bucket: string;
                        enabled: boolean;
                        topicArn: string | null;
                    };
                };
            };
            /** @description The request was refused; `code` says why and `message` what to fix */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description The gateway or the tenant's S3 endpoint failed; `code` says which */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
        };
    };
    setBucketNotifications: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Bucket name (S3 naming rules) */
                bucket: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /** @description true wires the bucket to this tenant's ingest URL; false removes the wiring */
                    enabled: boolean;
                    /**
                     * @description RGW persistent topic: writes do not wait for the gateway, events are queued and retried
                     * @default true
                     */
                    persistent?: boolean;
                };
            };
        };
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        bucket: string;
                        enabled: boolean;
                        topicArn: string | null;
                    };
                };
            };
            /** @description The request was refused; `code` says why and `message` what to fix */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description The gateway or the tenant's S3 endpoint failed; `code` says which */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
        };
    };
    getObject: {
        parameters: {
            query?: {
                /** @description One version of the object (S3 backends; `null` is the one version on the disk driver) */
                versionId?: string;
            };
            header?: never;
            path: {
                /** @description Bucket name */
                bucket: string;
                /** @description The object key: the rest of the path, percent-encoded UTF-8; may contain /. A key with . or .. segments must be sent with / encoded as %2F (HTTP clients remove dot segments). */
                key: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The object */
            200: {
                headers: {
                    /** @description Quoted ETag */
                    etag?: string;
                    "last-modified"?: string;
                    "content-length"?: number;
                    "content-type"?: string;
                    "accept-ranges"?: "bytes";
                    /** @description 206 only */
                    "content-range"?: string;
                    /** @description User metadata, one header per entry */
                    "x-meta-*"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "*/*": string;
                };
            };
            /** @description Part of the object */
            206: {
                headers: {
                    /** @description Quoted ETag */
                    etag?: string;
                    "last-modified"?: string;
                    "content-length"?: number;
                    "content-type"?: string;
                    "accept-ranges"?: "bytes";
                    /** @description 206 only */
                    "content-range"?: string;
                    /** @description User metadata, one header per entry */
                    "x-meta-*"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "*/*": string;
                };
            };
            /** @description Not modified */
            304: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": unknown;
                };
            };
            /** @description The request was refused; `code` says why and `message` what to fix */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description The gateway or the tenant's S3 endpoint failed; `code` says which */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
        };
    };
    putObject: {
        parameters: {
            query?: never;
            header?: {
                /** @description Write only over this ETag (or `*`: any existing object); 412 S3GATE_PRECONDITION_FAILED, or 404 S3GATE_OBJECT_NOT_FOUND when the key is absent */
                "if-match"?: string;
                /** @description `*`: create only (412 when the key exists); an ETag: refuse to overwrite that version */
                "if-none-match"?: string;
            };
            path: {
                /** @description Bucket name */
                bucket: string;
                /** @description The object key: the rest of the path, percent-encoded UTF-8; may contain /. A key with . or .. segments must be sent with / encoded as %2F (HTTP clients remove dot segments). */
                key: string;
            };
            cookie?: never;
        };
        /** @description The object bytes, streamed to S3. Content-Type is kept; x-meta-* headers become user metadata. */
        requestBody: {
            content: {
                "*/*": string;
            };
        };
        responses: {
            /** @description Default Response */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        bucket: string;
                        key: string;
                        etag: string;
                        size: number;
                    };
                };
            };
            /** @description The request was refused; `code` says why and `message` what to fix */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description The gateway or the tenant's S3 endpoint failed; `code` says which */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
        };
    };
    deleteObject: {
        parameters: {
            query?: {
                /** @description One version of the object (S3 backends; `null` is the one version on the disk driver) */
                versionId?: string;
            };
            header?: never;
            path: {
                /** @description Bucket name */
                bucket: string;
                /** @description The object key: the rest of the path, percent-encoded UTF-8; may contain /. A key with . or .. segments must be sent with / encoded as %2F (HTTP clients remove dot segments). */
                key: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description No body */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description The request was refused; `code` says why and `message` what to fix */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description The gateway or the tenant's S3 endpoint failed; `code` says which */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
        };
    };
    "headObject-head": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Bucket name */
                bucket: string;
                /** @description The object key: the rest of the path, percent-encoded UTF-8; may contain /. A key with . or .. segments must be sent with / encoded as %2F (HTTP clients remove dot segments). */
                key: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The object exists */
            200: {
                headers: {
                    /** @description Quoted ETag */
                    etag?: string;
                    "last-modified"?: string;
                    "content-length"?: number;
                    "content-type"?: string;
                    "accept-ranges"?: "bytes";
                    /** @description 206 only */
                    "content-range"?: string;
                    /** @description User metadata, one header per entry */
                    "x-meta-*"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": unknown;
                };
            };
            /** @description Not modified */
            304: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": unknown;
                };
            };
            /** @description The request was refused; `code` says why and `message` what to fix */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description The gateway or the tenant's S3 endpoint failed; `code` says which */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
        };
    };
    deleteObjects: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Bucket name (S3 naming rules) */
                bucket: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /** @description At most 1000 keys (more: 400 S3GATE_TOO_MANY_KEYS) */
                    keys: string[];
                };
            };
        };
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        deleted: string[];
                        errors: {
                            key: string;
                            code: string;
                            message: string;
                        }[];
                    };
                };
            };
            /** @description The request was refused; `code` says why and `message` what to fix */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description The gateway or the tenant's S3 endpoint failed; `code` says which */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
        };
    };
    copyObject: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    source: {
                        bucket: string;
                        key: string;
                    };
                    destination: {
                        bucket: string;
                        key: string;
                    };
                    /**
                     * @description Delete the source once the copy is stored
                     * @default false
                     */
                    move?: boolean;
                };
            };
        };
        responses: {
            /** @description Default Response */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        bucket: string;
                        key: string;
                        etag: string;
                    };
                };
            };
            /** @description The request was refused; `code` says why and `message` what to fix */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description The gateway or the tenant's S3 endpoint failed; `code` says which */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
        };
    };
    presign: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    bucket: string;
                    key: string;
                    /** @description TUS: a tus 1.0 creation URL of the gateway (POST it with Upload-Length, as tus-js-client or Uppy do): it creates one resumable upload of bucket/key, with no API key */
                    method: "GET" | "PUT" | "TUS";
                    /** @description Seconds the URL stays valid (at most 7 days); a tus upload created with it stays valid until the upload expires */
                    expiresIn: number;
                    /** @description PUT and TUS only: the Content-Type the upload must have */
                    contentType?: string;
                };
            };
        };
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        url: string;
                        method: "GET" | "PUT" | "TUS";
                        /** Format: date-time */
                        expiresAt: string;
                        /** @description Headers the request to url must send */
                        headers: {
                            [key: string]: string;
                        };
                    };
                };
            };
            /** @description The request was refused; `code` says why and `message` what to fix */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description The gateway or the tenant's S3 endpoint failed; `code` says which */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
        };
    };
    listObjectVersions: {
        parameters: {
            query?: {
                prefix?: string;
                /** @description nextKeyMarker of the previous page */
                keyMarker?: string;
                /** @description nextVersionIdMarker of the previous page */
                versionIdMarker?: string;
                limit?: number;
            };
            header?: never;
            path: {
                /** @description Bucket name (S3 naming rules) */
                bucket: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        versions: {
                            key: string;
                            versionId: string;
                            isLatest: boolean;
                            /** @description A delete marker, not a version with content */
                            deleteMarker: boolean;
                            size: number;
                            etag: string;
                            /** Format: date-time */
                            lastModified: string;
                        }[];
                        truncated: boolean;
                        nextKeyMarker?: string;
                        nextVersionIdMarker?: string;
                    };
                };
            };
            /** @description The request was refused; `code` says why and `message` what to fix */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description The gateway or the tenant's S3 endpoint failed; `code` says which */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
        };
    };
    getObjectTags: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Bucket name */
                bucket: string;
                /** @description The object key: the rest of the path, percent-encoded UTF-8; may contain /. A key with . or .. segments must be sent with / encoded as %2F (HTTP clients remove dot segments). */
                key: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @description Tag key → value; {} for none */
                        tags: {
                            [key: string]: string;
                        };
                    };
                };
            };
            /** @description The request was refused; `code` says why and `message` what to fix */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description The gateway or the tenant's S3 endpoint failed; `code` says which */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
        };
    };
    putObjectTags: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Bucket name */
                bucket: string;
                /** @description The object key: the rest of the path, percent-encoded UTF-8; may contain /. A key with . or .. segments must be sent with / encoded as %2F (HTTP clients remove dot segments). */
                key: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /** @description Tag key → value; {} for none */
                    tags: {
                        [key: string]: string;
                    };
                };
            };
        };
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @description Tag key → value; {} for none */
                        tags: {
                            [key: string]: string;
                        };
                    };
                };
            };
            /** @description The request was refused; `code` says why and `message` what to fix */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description The gateway or the tenant's S3 endpoint failed; `code` says which */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
        };
    };
    deleteObjectTags: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Bucket name */
                bucket: string;
                /** @description The object key: the rest of the path, percent-encoded UTF-8; may contain /. A key with . or .. segments must be sent with / encoded as %2F (HTTP clients remove dot segments). */
                key: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description No body */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description The request was refused; `code` says why and `message` what to fix */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description The gateway or the tenant's S3 endpoint failed; `code` says which */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
        };
    };
    listEvents: {
        parameters: {
            query?: {
                bucket?: string;
                prefix?: string;
                /** @description Only events at or after this time */
                since?: string;
                /** @description nextCursor of the previous page */
                cursor?: string;
                limit?: number;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        events: components["schemas"]["ObjectEvent"][];
                        nextCursor: string | null;
                    };
                };
            };
            /** @description The request was refused; `code` says why and `message` what to fix */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description The gateway or the tenant's S3 endpoint failed; `code` says which */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
        };
    };
    listWebhooks: {
        parameters: {
            query?: {
                /** @description nextCursor of the previous page */
                cursor?: string;
                limit?: number;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        webhooks: components["schemas"]["Webhook"][];
                        /** @description Pass as cursor for the next page; null on the last page */
                        nextCursor: string | null;
                    };
                };
            };
            /** @description The request was refused; `code` says why and `message` what to fix */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description The gateway or the tenant's S3 endpoint failed; `code` says which */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
        };
    };
    createWebhook: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /** @description Where events go, its scheme naming the kind: http(s):// a webhook; amqp(s)://[user:password@]host[:port][/vhost] RabbitMQ; nats://[user:password@]host[:port] (tls:// with TLS) NATS JetStream; mqtt(s)://[user:password@]host[:port] MQTT; redis(s)://[user:password@]host[:port][/db] Redis Streams. A password in the URL is sealed and never answered. Private, loopback and link-local addresses are refused unless S3GATE_WEBHOOK_ALLOW_PRIVATE=true */
                    url: string;
                    /** @description From the URL scheme: http(s) webhook, amqp(s) AMQP 0-9-1, nats or tls NATS JetStream, mqtt(s) MQTT, redis(s) Redis Streams */
                    kind?: "webhook" | "amqp" | "nats" | "mqtt" | "redis";
                    /** @description Event types (s3:ObjectCreated:Put, …) or families with a trailing * (s3:ObjectCreated:*) */
                    events: string[];
                    filter?: {
                        /** @description Only events of this bucket */
                        bucket?: string;
                        /** @description Only keys that start with this */
                        prefix?: string;
                        /** @description Only keys that end with this */
                        suffix?: string;
                    };
                    /** @description json: the event as GET /v1/events answers it; cloudevents: CloudEvents 1.0 with the event as data (binary mode with ce-* headers on webhooks, structured JSON on queues) */
                    format?: "json" | "cloudevents";
                    destination?: {
                        /** @description AMQP: the exchange published to (default amq.topic; "" is the default exchange) */
                        exchange?: string;
                        /** @description AMQP: the routing key: a template of {tenant}, {bucket}, {key}, {type} (s3:ObjectCreated:Put) and {eventName} (ObjectCreated:Put), e.g. {bucket}.{eventName} */
                        routingKey?: string;
                        /** @description NATS: the subject, which a JetStream stream must take: a template of {tenant}, {bucket}, {key}, {type} (s3:ObjectCreated:Put) and {eventName} (ObjectCreated:Put), e.g. s3gate.{tenant}.{bucket} */
                        subject?: string;
                        /** @description NATS: more servers of the cluster (host:port), beside the URL's; each passes the same address rules */
                        servers?: string[];
                        /** @description MQTT: the topic (QoS 1): a template of {tenant}, {bucket}, {key}, {type} (s3:ObjectCreated:Put) and {eventName} (ObjectCreated:Put), e.g. s3gate/{bucket}/{key} */
                        topic?: string;
                        /** @description MQTT: 4 (3.1.1) or 5 (default); signature headers travel as MQTT 5 user properties */
                        mqttVersion?: number;
                        /** @description Redis: the stream key: a template of {tenant}, {bucket}, {key}, {type} (s3:ObjectCreated:Put) and {eventName} (ObjectCreated:Put), e.g. s3gate:{tenant} */
                        stream?: string;
                        /** @description Redis: XADD MAXLEN ~ bound (default 100000) */
                        maxLen?: number;
                        /** @description The broker user (also taken from the URL) */
                        username?: string;
                        /** @description The broker password (also taken from the URL); sealed at rest, never answered */
                        password?: string;
                        /** @description NATS: an authentication token; sealed at rest, never answered */
                        token?: string;
                    };
                    description?: string;
                };
            };
        };
        responses: {
            /** @description Default Response */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        id: string;
                        /** @description From the URL scheme: http(s) webhook, amqp(s) AMQP 0-9-1, nats or tls NATS JetStream, mqtt(s) MQTT, redis(s) Redis Streams */
                        kind: "webhook" | "amqp" | "nats" | "mqtt" | "redis";
                        /** @description The endpoint or broker, without a password */
                        url: string;
                        events: string[];
                        filter: {
                            /** @description Only events of this bucket */
                            bucket?: string;
                            /** @description Only keys that start with this */
                            prefix?: string;
                            /** @description Only keys that end with this */
                            suffix?: string;
                        };
                        /** @description json: the event as GET /v1/events answers it; cloudevents: CloudEvents 1.0 with the event as data (binary mode with ce-* headers on webhooks, structured JSON on queues) */
                        format: "json" | "cloudevents";
                        destination: {
                            /** @description AMQP: the exchange published to (default amq.topic; "" is the default exchange) */
                            exchange?: string;
                            /** @description AMQP: the routing key: a template of {tenant}, {bucket}, {key}, {type} (s3:ObjectCreated:Put) and {eventName} (ObjectCreated:Put), e.g. {bucket}.{eventName} */
                            routingKey?: string;
                            /** @description NATS: the subject, which a JetStream stream must take: a template of {tenant}, {bucket}, {key}, {type} (s3:ObjectCreated:Put) and {eventName} (ObjectCreated:Put), e.g. s3gate.{tenant}.{bucket} */
                            subject?: string;
                            /** @description NATS: more servers of the cluster (host:port), beside the URL's; each passes the same address rules */
                            servers?: string[];
                            /** @description MQTT: the topic (QoS 1): a template of {tenant}, {bucket}, {key}, {type} (s3:ObjectCreated:Put) and {eventName} (ObjectCreated:Put), e.g. s3gate/{bucket}/{key} */
                            topic?: string;
                            /** @description MQTT: 4 (3.1.1) or 5 (default); signature headers travel as MQTT 5 user properties */
                            mqttVersion?: number;
                            /** @description Redis: the stream key: a template of {tenant}, {bucket}, {key}, {type} (s3:ObjectCreated:Put) and {eventName} (ObjectCreated:Put), e.g. s3gate:{tenant} */
                            stream?: string;
                            /** @description Redis: XADD MAXLEN ~ bound (default 100000) */
                            maxLen?: number;
                            /** @description The broker user (also taken from the URL) */
                            username?: string;
                        };
                        description: string | null;
                        enabled: boolean;
                        /** @description Why the subscription was disabled */
                        disabledReason: string | null;
                        /** Format: date-time */
                        createdAt: string;
                        /** Format: date-time */
                        updatedAt: string;
                        /** @description whsec_…: verify signatures with it (standardwebhooks); shown only in this response */
                        secret: string;
                    };
                };
            };
            /** @description The request was refused; `code` says why and `message` what to fix */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description The gateway or the tenant's S3 endpoint failed; `code` says which */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
        };
    };
    getWebhook: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Webhook"];
                };
            };
            /** @description The request was refused; `code` says why and `message` what to fix */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description The gateway or the tenant's S3 endpoint failed; `code` says which */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
        };
    };
    deleteWebhook: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description No body */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description The request was refused; `code` says why and `message` what to fix */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description The gateway or the tenant's S3 endpoint failed; `code` says which */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
        };
    };
    updateWebhook: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /** @description Where events go, its scheme naming the kind: http(s):// a webhook; amqp(s)://[user:password@]host[:port][/vhost] RabbitMQ; nats://[user:password@]host[:port] (tls:// with TLS) NATS JetStream; mqtt(s)://[user:password@]host[:port] MQTT; redis(s)://[user:password@]host[:port][/db] Redis Streams. A password in the URL is sealed and never answered. Private, loopback and link-local addresses are refused unless S3GATE_WEBHOOK_ALLOW_PRIVATE=true */
                    url?: string;
                    /** @description From the URL scheme: http(s) webhook, amqp(s) AMQP 0-9-1, nats or tls NATS JetStream, mqtt(s) MQTT, redis(s) Redis Streams */
                    kind?: "webhook" | "amqp" | "nats" | "mqtt" | "redis";
                    /** @description Event types (s3:ObjectCreated:Put, …) or families with a trailing * (s3:ObjectCreated:*) */
                    events?: string[];
                    filter?: {
                        /** @description Only events of this bucket */
                        bucket?: string;
                        /** @description Only keys that start with this */
                        prefix?: string;
                        /** @description Only keys that end with this */
                        suffix?: string;
                    };
                    /** @description json: the event as GET /v1/events answers it; cloudevents: CloudEvents 1.0 with the event as data (binary mode with ce-* headers on webhooks, structured JSON on queues) */
                    format?: "json" | "cloudevents";
                    destination?: {
                        /** @description AMQP: the exchange published to (default amq.topic; "" is the default exchange) */
                        exchange?: string;
                        /** @description AMQP: the routing key: a template of {tenant}, {bucket}, {key}, {type} (s3:ObjectCreated:Put) and {eventName} (ObjectCreated:Put), e.g. {bucket}.{eventName} */
                        routingKey?: string;
                        /** @description NATS: the subject, which a JetStream stream must take: a template of {tenant}, {bucket}, {key}, {type} (s3:ObjectCreated:Put) and {eventName} (ObjectCreated:Put), e.g. s3gate.{tenant}.{bucket} */
                        subject?: string;
                        /** @description NATS: more servers of the cluster (host:port), beside the URL's; each passes the same address rules */
                        servers?: string[];
                        /** @description MQTT: the topic (QoS 1): a template of {tenant}, {bucket}, {key}, {type} (s3:ObjectCreated:Put) and {eventName} (ObjectCreated:Put), e.g. s3gate/{bucket}/{key} */
                        topic?: string;
                        /** @description MQTT: 4 (3.1.1) or 5 (default); signature headers travel as MQTT 5 user properties */
                        mqttVersion?: number;
                        /** @description Redis: the stream key: a template of {tenant}, {bucket}, {key}, {type} (s3:ObjectCreated:Put) and {eventName} (ObjectCreated:Put), e.g. s3gate:{tenant} */
                        stream?: string;
                        /** @description Redis: XADD MAXLEN ~ bound (default 100000) */
                        maxLen?: number;
                        /** @description The broker user (also taken from the URL) */
                        username?: string;
                        /** @description The broker password (also taken from the URL); sealed at rest, never answered */
                        password?: string;
                        /** @description NATS: an authentication token; sealed at rest, never answered */
                        token?: string;
                    };
                    description?: string;
                    /** @description true re-enables a subscription that was disabled (410, long failure) */
                    enabled?: boolean;
                };
            };
        };
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Webhook"];
                };
            };
            /** @description The request was refused; `code` says why and `message` what to fix */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description The gateway or the tenant's S3 endpoint failed; `code` says which */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
        };
    };
    rotateWebhookSecret: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        id: string;
                        /** @description From the URL scheme: http(s) webhook, amqp(s) AMQP 0-9-1, nats or tls NATS JetStream, mqtt(s) MQTT, redis(s) Redis Streams */
                        kind: "webhook" | "amqp" | "nats" | "mqtt" | "redis";
                        /** @description The endpoint or broker, without a password */
                        url: string;
                        events: string[];
                        filter: {
                            /** @description Only events of this bucket */
                            bucket?: string;
                            /** @description Only keys that start with this */
                            prefix?: string;
                            /** @description Only keys that end with this */
                            suffix?: string;
                        };
                        /** @description json: the event as GET /v1/events answers it; cloudevents: CloudEvents 1.0 with the event as data (binary mode with ce-* headers on webhooks, structured JSON on queues) */
                        format: "json" | "cloudevents";
                        destination: {
                            /** @description AMQP: the exchange published to (default amq.topic; "" is the default exchange) */
                            exchange?: string;
                            /** @description AMQP: the routing key: a template of {tenant}, {bucket}, {key}, {type} (s3:ObjectCreated:Put) and {eventName} (ObjectCreated:Put), e.g. {bucket}.{eventName} */
                            routingKey?: string;
                            /** @description NATS: the subject, which a JetStream stream must take: a template of {tenant}, {bucket}, {key}, {type} (s3:ObjectCreated:Put) and {eventName} (ObjectCreated:Put), e.g. s3gate.{tenant}.{bucket} */
                            subject?: string;
                            /** @description NATS: more servers of the cluster (host:port), beside the URL's; each passes the same address rules */
                            servers?: string[];
                            /** @description MQTT: the topic (QoS 1): a template of {tenant}, {bucket}, {key}, {type} (s3:ObjectCreated:Put) and {eventName} (ObjectCreated:Put), e.g. s3gate/{bucket}/{key} */
                            topic?: string;
                            /** @description MQTT: 4 (3.1.1) or 5 (default); signature headers travel as MQTT 5 user properties */
                            mqttVersion?: number;
                            /** @description Redis: the stream key: a template of {tenant}, {bucket}, {key}, {type} (s3:ObjectCreated:Put) and {eventName} (ObjectCreated:Put), e.g. s3gate:{tenant} */
                            stream?: string;
                            /** @description Redis: XADD MAXLEN ~ bound (default 100000) */
                            maxLen?: number;
                            /** @description The broker user (also taken from the URL) */
                            username?: string;
                        };
                        description: string | null;
                        enabled: boolean;
                        /** @description Why the subscription was disabled */
                        disabledReason: string | null;
                        /** Format: date-time */
                        createdAt: string;
                        /** Format: date-time */
                        updatedAt: string;
                        /** @description whsec_…: verify signatures with it (standardwebhooks); shown only in this response */
                        secret: string;
                    };
                };
            };
            /** @description The request was refused; `code` says why and `message` what to fix */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description The gateway or the tenant's S3 endpoint failed; `code` says which */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
        };
    };
    testWebhook: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        eventId: string;
                        ok: boolean;
                        status: number | null;
                        durationMs: number;
                        error: string | null;
                        excerpt: string | null;
                    };
                };
            };
            /** @description The request was refused; `code` says why and `message` what to fix */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description The gateway or the tenant's S3 endpoint failed; `code` says which */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
        };
    };
    listDeliveries: {
        parameters: {
            query?: {
                /** @description pending: not tried yet; failed: tried, retry scheduled; delivered; dead: given up */
                status?: "pending" | "delivered" | "failed" | "dead";
                cursor?: string;
                limit?: number;
            };
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        deliveries: components["schemas"]["Delivery"][];
                        nextCursor: string | null;
                    };
                };
            };
            /** @description The request was refused; `code` says why and `message` what to fix */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description The gateway or the tenant's S3 endpoint failed; `code` says which */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
        };
    };
    getDelivery: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
                deliveryId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        id: string;
                        eventId: string;
                        type: string;
                        /** @description pending: not tried yet; failed: tried, retry scheduled; delivered; dead: given up */
                        status: "pending" | "delivered" | "failed" | "dead";
                        attempts: number;
                        /** @description HTTP status of the last attempt (null for a broker destination, and for a webhook that did not answer) */
                        lastStatus: number | null;
                        lastError: string | null;
                        nextAttemptAt: string | null;
                        /** Format: date-time */
                        createdAt: string;
                        /** Format: date-time */
                        updatedAt: string;
                        attemptLog: {
                            /** Format: date-time */
                            at: string;
                            statusCode: number | null;
                            durationMs: number;
                            error: string | null;
                            /** @description The first KiB of the answer */
                            responseExcerpt: string | null;
                        }[];
                    };
                };
            };
            /** @description The request was refused; `code` says why and `message` what to fix */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description The gateway or the tenant's S3 endpoint failed; `code` says which */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
        };
    };
    retryDelivery: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
                deliveryId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        id: string;
                        /** @enum {string} */
                        status: "pending";
                    };
                };
            };
            /** @description The request was refused; `code` says why and `message` what to fix */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description The gateway or the tenant's S3 endpoint failed; `code` says which */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
        };
    };
    replayWebhook: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    /** Format: date-time */
                    since: string;
                    /** Format: date-time */
                    until?: string;
                };
            };
        };
        responses: {
            /** @description Default Response */
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        count: number;
                    };
                };
            };
            /** @description The request was refused; `code` says why and `message` what to fix */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description The gateway or the tenant's S3 endpoint failed; `code` says which */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
        };
    };
    listOwnS3Keys: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        s3Keys: {
                            accessKeyId: string;
                            /** Format: date-time */
                            createdAt: string;
                            revokedAt: string | null;
                        }[];
                    };
                };
            };
            /** @description The request was refused; `code` says why and `message` what to fix */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description The gateway or the tenant's S3 endpoint failed; `code` says which */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
        };
    };
    createOwnS3Key: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Default Response */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @description S3G…, 20 characters: the access key id S3 clients send */
                        accessKeyId: string;
                        /** @description Shown only in this response; sealed at rest */
                        secretAccessKey: string;
                    };
                };
            };
            /** @description The request was refused; `code` says why and `message` what to fix */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description The gateway or the tenant's S3 endpoint failed; `code` says which */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
        };
    };
    revokeOwnS3Key: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                accessKeyId: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description No body */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description The request was refused; `code` says why and `message` what to fix */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description The gateway or the tenant's S3 endpoint failed; `code` says which */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
        };
    };
    getStats: {
        parameters: {
            query?: {
                /** @description 10m: 60 points of 10 seconds; 1h: 60 points of a minute */
                window?: "10m" | "1h";
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The tenant's recent figures */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @description Whose figures these are: `cluster`, every gateway process sharing REDIS_URL (each sends its figures every 2 s, and before answering this); `process`, the answering process's alone (no REDIS_URL, or Redis did not answer) */
                        scope: "process" | "cluster";
                        window: "10m" | "1h";
                        /** @description Each point covers this many seconds from its t */
                        stepSeconds: number;
                        /** @description Oldest first, one per step, the last one still filling; a step with nothing recorded has zeros */
                        points: {
                            /** Format: date-time */
                            t: string;
                            /** @description Answered requests by face (REST, GraphQL, the S3 door, tus) and status class */
                            requests: {
                                rest: components["schemas"]["StatsByClass"];
                                graphql: components["schemas"]["StatsByClass"];
                                s3: components["schemas"]["StatsByClass"];
                                tus: components["schemas"]["StatsByClass"];
                            };
                            /** @description Bytes received on the connection, headers included */
                            bytesIn: number;
                            /** @description Bytes sent, headers included */
                            bytesOut: number;
                            /** @description Time from the request to the end of the answer (milliseconds) */
                            latencyMs: components["schemas"]["StatsPercentiles"] | null;
                            /** @description Events recorded */
                            events: number;
                            /** @description Delivery attempts that ended */
                            deliveries: {
                                succeeded: number;
                                /** @description Attempts that failed (each retry counts) */
                                failed: number;
                            };
                            /** @description From an event's recording to its successful delivery (milliseconds; retries included) */
                            deliveryLatencyMs: components["schemas"]["StatsPercentiles"] | null;
                            /** @description The peak of the S3 sockets in use and of the requests waiting for one (sampled every 2 s; the local-disk driver has none) */
                            pool: {
                                inUse: number;
                                queued: number;
                            };
                            /** @description Requests refused with 429 by the rate limit */
                            rateLimited: number;
                        }[];
                        /** @description The whole window: sums, pool peaks, percentiles of every request */
                        totals: {
                            /** @description Answered requests by face (REST, GraphQL, the S3 door, tus) and status class */
                            requests: {
                                rest: components["schemas"]["StatsByClass"];
                                graphql: components["schemas"]["StatsByClass"];
                                s3: components["schemas"]["StatsByClass"];
                                tus: components["schemas"]["StatsByClass"];
                            };
                            /** @description Bytes received on the connection, headers included */
                            bytesIn: number;
                            /** @description Bytes sent, headers included */
                            bytesOut: number;
                            /** @description Time from the request to the end of the answer (milliseconds) */
                            latencyMs: components["schemas"]["StatsPercentiles"] | null;
                            /** @description Events recorded */
                            events: number;
                            /** @description Delivery attempts that ended */
                            deliveries: {
                                succeeded: number;
                                /** @description Attempts that failed (each retry counts) */
                                failed: number;
                            };
                            /** @description From an event's recording to its successful delivery (milliseconds; retries included) */
                            deliveryLatencyMs: components["schemas"]["StatsPercentiles"] | null;
                            /** @description The peak of the S3 sockets in use and of the requests waiting for one (sampled every 2 s; the local-disk driver has none) */
                            pool: {
                                inUse: number;
                                queued: number;
                            };
                            /** @description Requests refused with 429 by the rate limit */
                            rateLimited: number;
                        };
                        /** @description Deliveries waiting for their first attempt or a retry now, in every process (counted up to 100,000) */
                        pendingDeliveries: number;
                    };
                };
            };
            /** @description The request was refused; `code` says why and `message` what to fix */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description The gateway or the tenant's S3 endpoint failed; `code` says which */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
        };
    };
    getWebhookStats: {
        parameters: {
            query?: {
                /** @description 10m: 60 points of 10 seconds; 1h: 60 points of a minute */
                window?: "10m" | "1h";
            };
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A subscription's recent deliveries */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @description Whose figures these are: `cluster`, every gateway process sharing REDIS_URL (each sends its figures every 2 s, and before answering this); `process`, the answering process's alone (no REDIS_URL, or Redis did not answer) */
                        scope: "process" | "cluster";
                        window: "10m" | "1h";
                        /** @description Each point covers this many seconds from its t */
                        stepSeconds: number;
                        /** @description Oldest first, one per step, the last one still filling; a step with nothing recorded has zeros */
                        points: {
                            /** Format: date-time */
                            t: string;
                            succeeded: number;
                            /** @description Attempts that failed (each retry counts) */
                            failed: number;
                            /** @description From an event's recording to its successful delivery (milliseconds; retries included) */
                            deliveryLatencyMs: components["schemas"]["StatsPercentiles"] | null;
                            /** @description Each attempt's time until the endpoint answered (milliseconds) */
                            attemptMs: components["schemas"]["StatsPercentiles"] | null;
                        }[];
                        /** @description The whole window: sums, pool peaks, percentiles of every request */
                        totals: {
                            succeeded: number;
                            /** @description Attempts that failed (each retry counts) */
                            failed: number;
                            /** @description From an event's recording to its successful delivery (milliseconds; retries included) */
                            deliveryLatencyMs: components["schemas"]["StatsPercentiles"] | null;
                            /** @description Each attempt's time until the endpoint answered (milliseconds) */
                            attemptMs: components["schemas"]["StatsPercentiles"] | null;
                        };
                        /** @description Its deliveries waiting for their first attempt or a retry now (counted up to 100,000) */
                        pendingDeliveries: number;
                    };
                };
            };
            /** @description The request was refused; `code` says why and `message` what to fix */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description The gateway or the tenant's S3 endpoint failed; `code` says which */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
        };
    };
    getPresigned: {
        parameters: {
            query: {
                tenant: string;
                method: "GET" | "PUT";
                expires: number;
                contentType?: string;
                signature: string;
            };
            header?: never;
            path: {
                /** @description Bucket name */
                bucket: string;
                /** @description The object key: the rest of the path, percent-encoded UTF-8; may contain /. A key with . or .. segments must be sent with / encoded as %2F (HTTP clients remove dot segments). */
                key: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The object */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": unknown;
                };
            };
            /** @description The request was refused; `code` says why and `message` what to fix */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description The gateway or the tenant's S3 endpoint failed; `code` says which */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
        };
    };
    putPresigned: {
        parameters: {
            query: {
                tenant: string;
                method: "GET" | "PUT";
                expires: number;
                contentType?: string;
                signature: string;
            };
            header?: never;
            path: {
                /** @description Bucket name */
                bucket: string;
                /** @description The object key: the rest of the path, percent-encoded UTF-8; may contain /. A key with . or .. segments must be sent with / encoded as %2F (HTTP clients remove dot segments). */
                key: string;
            };
            cookie?: never;
        };
        /** @description The object bytes; the Content-Type the URL was signed with, if any. */
        requestBody: {
            content: {
                "*/*": string;
            };
        };
        responses: {
            /** @description Default Response */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        bucket: string;
                        key: string;
                        etag: string;
                        size: number;
                    };
                };
            };
            /** @description The request was refused; `code` says why and `message` what to fix */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description The gateway or the tenant's S3 endpoint failed; `code` says which */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
        };
    };
    tusCreate: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** @description creation-with-upload: the first bytes of the upload (Content-Type: application/offset+octet-stream). */
        requestBody?: {
            content: {
                "application/offset+octet-stream": string;
            };
        };
        responses: {
            /** @description Created: Location is the upload URL (signed for this upload alone when created through a presigned URL) */
            201: {
                headers: {
                    "tus-resumable"?: "1.0.0";
                    location?: string;
                    /** @description With a body: the bytes stored */
                    "upload-offset"?: number;
                    /** @description RFC 9110 date after which the unfinished upload is removed */
                    "upload-expires"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": unknown;
                };
            };
            /** @description The request was refused; `code` says why and `message` what to fix */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description The gateway or the tenant's S3 endpoint failed; `code` says which */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
        };
    };
    tusOptions: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description What the server supports */
            204: {
                headers: {
                    "tus-resumable"?: "1.0.0";
                    "tus-version"?: "1.0.0";
                    "tus-extension"?: "creation,creation-with-upload,termination,expiration,checksum";
                    "tus-checksum-algorithm"?: "sha1,sha256,md5";
                    /** @description limits.maxObjectSize of S3GATE_MAX_OBJECT_SIZE */
                    "tus-max-size"?: number;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": unknown;
                };
            };
            /** @description The request was refused; `code` says why and `message` what to fix */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description The gateway or the tenant's S3 endpoint failed; `code` says which */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
        };
    };
    tusTerminate: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The upload id: the last segment of its URL */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Terminated */
            204: {
                headers: {
                    "tus-resumable"?: "1.0.0";
                    [name: string]: unknown;
                };
                content: {
                    "application/json": unknown;
                };
            };
            /** @description The request was refused; `code` says why and `message` what to fix */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description The gateway or the tenant's S3 endpoint failed; `code` says which */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
        };
    };
    tusUploadOptions: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The upload id: the last segment of its URL */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description As OPTIONS /v1/uploads */
            204: {
                headers: {
                    "tus-resumable"?: "1.0.0";
                    [name: string]: unknown;
                };
                content: {
                    "application/json": unknown;
                };
            };
            /** @description The request was refused; `code` says why and `message` what to fix */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description The gateway or the tenant's S3 endpoint failed; `code` says which */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
        };
    };
    "tusOffset-head": {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The upload id: the last segment of its URL */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The upload */
            200: {
                headers: {
                    "tus-resumable"?: "1.0.0";
                    "upload-offset"?: number;
                    "upload-length"?: number;
                    "upload-metadata"?: string;
                    "cache-control"?: "no-store";
                    [name: string]: unknown;
                };
                content: {
                    "application/json": unknown;
                };
            };
            /** @description The request was refused; `code` says why and `message` what to fix */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description The gateway or the tenant's S3 endpoint failed; `code` says which */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
        };
    };
    tusAppend: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description The upload id: the last segment of its URL */
                id: string;
            };
            cookie?: never;
        };
        /** @description The bytes at Upload-Offset, streamed into S3 parts as they arrive. */
        requestBody: {
            content: {
                "application/offset+octet-stream": string;
            };
        };
        responses: {
            /** @description Stored */
            204: {
                headers: {
                    "tus-resumable"?: "1.0.0";
                    "upload-offset"?: number;
                    /** @description While unfinished */
                    "upload-expires"?: string;
                    [name: string]: unknown;
                };
                content: {
                    "application/json": unknown;
                };
            };
            /** @description The request was refused; `code` says why and `message` what to fix */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
            /** @description The gateway or the tenant's S3 endpoint failed; `code` says which */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ErrorResponse"];
                };
            };
        };
    };
    graphqlGet: {
        parameters: {
            query?: {
                query?: string;
                persisted?: boolean;
                operationName?: string | null;
                variables?: string;
                extensions?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The result: data, and errors of fields (each with extensions.code) beside the rest of the data */
            "2XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        data?: {
                            [key: string]: unknown;
                        } | null;
                        errors?: {
                            message: string;
                            locations?: {
                                line?: number;
                                column?: number;
                            }[];
                            path?: string[];
                            extensions?: {
                                code?: string;
                            } & {
                                [key: string]: unknown;
                            };
                        }[];
                        extensions?: {
                            [key: string]: unknown;
                        };
                    };
                };
            };
            /** @description Refused before running: 401 no or bad API key, 400 bad GraphQL or CSRF, 405 a mutation over GET, 413 body too large; errors[].extensions.code says why */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        data?: {
                            [key: string]: unknown;
                        } | null;
                        errors?: {
                            message: string;
                            locations?: {
                                line?: number;
                                column?: number;
                            }[];
                            path?: string[];
                            extensions?: {
                                code?: string;
                            } & {
                                [key: string]: unknown;
                            };
                        }[];
                        extensions?: {
                            [key: string]: unknown;
                        };
                    };
                };
            };
        };
    };
    graphqlPost: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": {
                    query?: string;
                    persisted?: boolean;
                    operationName?: string | null;
                    variables?: Record<string, never> | null;
                    extensions?: Record<string, never>;
                };
            };
        };
        responses: {
            /** @description The result: data, and errors of fields (each with extensions.code) beside the rest of the data */
            "2XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        data?: {
                            [key: string]: unknown;
                        } | null;
                        errors?: {
                            message: string;
                            locations?: {
                                line?: number;
                                column?: number;
                            }[];
                            path?: string[];
                            extensions?: {
                                code?: string;
                            } & {
                                [key: string]: unknown;
                            };
                        }[];
                        extensions?: {
                            [key: string]: unknown;
                        };
                    };
                };
            };
            /** @description Refused before running: 401 no or bad API key, 400 bad GraphQL or CSRF, 405 a mutation over GET, 413 body too large; errors[].extensions.code says why */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        data?: {
                            [key: string]: unknown;
                        } | null;
                        errors?: {
                            message: string;
                            locations?: {
                                line?: number;
                                column?: number;
                            }[];
                            path?: string[];
                            extensions?: {
                                code?: string;
                            } & {
                                [key: string]: unknown;
                            };
                        }[];
                        extensions?: {
                            [key: string]: unknown;
                        };
                    };
                };
            };
        };
    };
}
