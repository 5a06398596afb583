import { useEffect, useState } from 'preact/hooks';
import { objectPath, type S3gate } from '../../clients/typescript/src/index.js';
import { ErrorBox } from './error-box.js';
import { Bytes, Time } from './format.js';

const PAGE = 50;
const PREVIEW_TEXT_BYTES = 64 * 1024;

/** #/objects, #/objects/<bucket>, #/objects/<bucket>/<prefix…> */
function parse(route: string): { bucket?: string; prefix: string } {
  const m = /^#\/objects\/([^/]+)\/?(.*)$/.exec(route);
  return m ? { bucket: decodeURIComponent(m[1]), prefix: decodeURIComponent(m[2]) } : { prefix: '' };
}
const href = (bucket?: string, prefix = '') => (bucket ? `#/objects/${encodeURIComponent(bucket)}/${encodeURIComponent(prefix)}` : '#/objects');

export function Objects({ client, apiKey, route }: { client: S3gate; apiKey: string; route: string }) {
  const { bucket, prefix } = parse(route);
  return bucket ? <Browser client={client} apiKey={apiKey} bucket={bucket} prefix={prefix} /> : <Buckets client={client} />;
}

function Buckets({ client }: { client: S3gate }) {
  const [buckets, setBuckets] = useState<{ name: string; createdAt: string | null }[] | null>(null);
  const [name, setName] = useState('');
  const [error, setError] = useState<unknown>(null);
  const load = () => client.buckets.list().then(setBuckets, setError);
  useEffect(() => void load(), []);
  const create = async (e: Event) => {
    e.preventDefault();
    setError(null);
    try {
      await client.buckets.create(name.trim());
      setName('');
      await load();
    } catch (err) {
      setError(err);
    }
  };
  const remove = async (b: string) => {
    if (!confirm(`Delete the bucket ${b}? It must be empty.`)) return;
    setError(null);
    try {
      await client.buckets.delete(b);
      await load();
    } catch (err) {
      setError(err);
    }
  };
  return (
    <main>
      <div class="card">
        <h2>Buckets</h2>
        <ErrorBox error={error} />
        <form class="row" onSubmit={create} aria-label="create bucket">
          <input name="bucket" placeholder="new-bucket-name" value={name} onInput={(e) => setName((e.target as HTMLInputElement).value)} />
          <button class="primary" type="submit" disabled={name.trim() === ''}>
            Create bucket
          </button>
        </form>
        {buckets === null ? (
          <p class="muted">Loading…</p>
        ) : buckets.length === 0 ? (
          <p class="muted">No bucket yet.</p>
        ) : (
          <table>
            <thead>
              <tr>
                <th>Name</th>
                <th class="hide-narrow">Created</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {buckets.map((b) => (
                <tr key={b.name} data-bucket={b.name}>
                  <td>
                    <a class="link" href={href(b.name)}>
                      {b.name}
                    </a>
                  </td>
                  <td class="hide-narrow muted">
                    <Time iso={b.createdAt} />
                  </td>
                  <td>
                    <button class="danger" onClick={() => remove(b.name)}>
                      Delete
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>
    </main>
  );
}

interface Upload {
  name: string;
  loaded: number;
  total: number;
  done: boolean;
  error?: string;
}

/** PUTs a file with the API key, reporting progress (fetch cannot report an upload's progress). */
function putFile(apiKey: string, bucket: string, key: string, file: File, onProgress: (loaded: number) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('PUT', objectPath(bucket, key));
    xhr.setRequestHeader('authorization', `Bearer ${apiKey}`);
    xhr.setRequestHeader('content-type', file.type || 'application/octet-stream');
    xhr.upload.onprogress = (e) => onProgress(e.loaded);
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) return resolve();
      try {
        const body = JSON.parse(xhr.responseText) as { code: string; message: string };
        reject(Object.assign(new Error(body.message), { code: body.code }));
      } catch {
        reject(new Error(`HTTP ${xhr.status}`));
      }
    };
    xhr.onerror = () => reject(new Error('the connection failed'));
    xhr.send(file);
  });
}

/** Buckets / bucket / each folder of the prefix, each a link. */
function Breadcrumbs({ bucket, prefix }: { bucket: string; prefix: string }) {
  const parts = prefix.split('/').filter(Boolean);
  return (
    <div class="row">
      <a class="link" href={href()}>
        Buckets
      </a>
      <span>/</span>
      <a class="link" href={href(bucket)}>
        {bucket}
      </a>
      {parts.map((p, i) => (
        <>
          <span>/</span>
          <a class="link" href={href(bucket, parts.slice(0, i + 1).join('/') + '/')}>
            {p}
          </a>
        </>
      ))}
    </div>
  );
}

/** The uploads of this page's session, each with its progress or its error. */
function UploadList({ uploads }: { uploads: Upload[] }) {
  if (uploads.length === 0) return null;
  return (
    <table aria-label="uploads">
      <tbody>
        {uploads.map((u) => (
          <tr data-upload={u.name}>
            <td>{u.name}</td>
            <td>
              <progress max={u.total || 1} value={u.total ? u.loaded : u.done ? 1 : 0} />
            </td>
            <td class={u.error ? 'error' : 'muted'}>{u.error ?? (u.done ? 'done' : `${Math.round((u.loaded / (u.total || 1)) * 100)}%`)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Browser({ client, apiKey, bucket, prefix }: { client: S3gate; apiKey: string; bucket: string; prefix: string }) {
  const [page, setPage] = useState<{ objects: { key: string; size: number; lastModified: string; etag: string }[]; prefixes: string[]; nextCursor: string | null } | null>(null);
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [detail, setDetail] = useState<string | null>(null);
  const [uploads, setUploads] = useState<Upload[]>([]);
  const [over, setOver] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const cursor = cursors[cursors.length - 1];
  const load = () => client.objects.listPage(bucket, { prefix, delimiter: '/', limit: PAGE, cursor }).then(setPage, setError);
  useEffect(() => {
    setSelected(new Set());
    setDetail(null);
    void load();
  }, [bucket, prefix, cursor]);
  useEffect(() => setCursors([undefined]), [bucket, prefix]);

  const upload = async (files: File[]) => {
    setError(null);
    const list: Upload[] = files.map((f) => ({ name: f.name, loaded: 0, total: f.size, done: false }));
    setUploads((u) => [...u, ...list]);
    await Promise.all(
      files.map(async (file, i) => {
        const item = list[i];
        try {
          await putFile(apiKey, bucket, prefix + file.name, file, (loaded) => {
            item.loaded = loaded;
            setUploads((u) => [...u]);
          });
          item.loaded = item.total;
          item.done = true;
        } catch (err) {
          item.error = `${(err as { code?: string }).code ?? ''} ${(err as Error).message}`.trim();
        }
        setUploads((u) => [...u]);
      }),
    );
    await load();
  };
  const removeSelected = async () => {
    if (!confirm(`Delete ${selected.size} object(s)?`)) return;
    try {
      const r = await client.objects.deleteMany(bucket, [...selected]);
      if (r.errors.length > 0) setError(new Error(`${r.errors.length} could not be deleted: ${r.errors.map((e) => `${e.key}: ${e.code}`).join(', ')}`));
      await load();
    } catch (err) {
      setError(err);
    }
  };
  return (
    <main>
      <div class="card">
        <Breadcrumbs bucket={bucket} prefix={prefix} />
        <ErrorBox error={error} />
        <div
          class={`drop${over ? ' over' : ''}`}
          onDragOver={(e) => {
            e.preventDefault();
            setOver(true);
          }}
          onDragLeave={() => setOver(false)}
          onDrop={(e) => {
            e.preventDefault();
            setOver(false);
            void upload([...(e.dataTransfer?.files ?? [])]);
          }}
        >
          Drop files here to upload them to {bucket}/{prefix}, or{' '}
          <label class="link">
            choose files
            <input type="file" multiple hidden name="files" onChange={(e) => void upload([...((e.target as HTMLInputElement).files ?? [])])} />
          </label>
        </div>
        <UploadList uploads={uploads} />
      </div>
      <div class="card">
        <div class="row">
          <button class="danger" disabled={selected.size === 0} onClick={removeSelected}>
            Delete selected ({selected.size})
          </button>
          <button disabled={cursors.length === 1} onClick={() => setCursors((c) => c.slice(0, -1))}>
            Previous page
          </button>
          <button disabled={!page?.nextCursor} onClick={() => setCursors((c) => [...c, page!.nextCursor!])}>
            Next page
          </button>
        </div>
        {page === null ? (
          <p class="muted">Loading…</p>
        ) : (
          <table aria-label="objects">
            <thead>
              <tr>
                <th />
                <th>Name</th>
                <th>Size</th>
                <th class="hide-narrow">Modified</th>
              </tr>
            </thead>
            <tbody>
              {page.prefixes.map((p) => (
                <tr key={p} data-prefix={p}>
                  <td />
                  <td colSpan={3}>
                    <a class="link" href={href(bucket, p)}>
                      {p.slice(prefix.length)}
                    </a>
                  </td>
                </tr>
              ))}
              {page.objects.map((o) => (
                <ObjectRow
                  key={o.key}
                  o={o}
                  name={o.key.slice(prefix.length)}
                  selected={selected.has(o.key)}
                  onSelect={(on) => {
                    const next = new Set(selected);
                    if (on) next.add(o.key);
                    else next.delete(o.key);
                    setSelected(next);
                  }}
                  onOpen={() => setDetail(o.key)}
                />
              ))}
              {page.prefixes.length + page.objects.length === 0 && (
                <tr>
                  <td colSpan={4} class="muted">
                    Nothing here yet.
                  </td>
                </tr>
              )}
            </tbody>
          </table>
        )}
      </div>
      {detail && <Detail client={client} bucket={bucket} objectKey={detail} />}
    </main>
  );
}

function ObjectRow({
  o,
  name,
  selected,
  onSelect,
  onOpen,
}: {
  o: { key: string; size: number; lastModified: string };
  name: string;
  selected: boolean;
  onSelect: (on: boolean) => void;
  onOpen: () => void;
}) {
  return (
    <tr data-key={o.key}>
      <td>
        <input type="checkbox" aria-label={`select ${o.key}`} checked={selected} onChange={(e) => onSelect((e.target as HTMLInputElement).checked)} />
      </td>
      <td>
        <a class="link" onClick={onOpen}>
          {name}
        </a>
      </td>
      <td>
        <Bytes n={o.size} />
      </td>
      <td class="hide-narrow muted">
        <Time iso={o.lastModified} />
      </td>
    </tr>
  );
}

function Detail({ client, bucket, objectKey }: { client: S3gate; bucket: string; objectKey: string }) {
  const [info, setInfo] = useState<Awaited<ReturnType<S3gate['objects']['head']>> | null>(null);
  const [url, setUrl] = useState<string | null>(null);
  const [text, setText] = useState<string | null>(null);
  const [copied, setCopied] = useState(false);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    setInfo(null);
    setText(null);
    setUrl(null);
    setError(null);
    (async () => {
      const head = await client.objects.head(bucket, objectKey);
      setInfo(head);
      // A short-lived presigned URL carries the preview and the download: the API key never goes in a URL.
      const signed = await client.objects.presign({ bucket, key: objectKey, method: 'GET', expiresIn: 900 });
      setUrl(signed.url);
      if (head.contentType?.startsWith('text/') || head.contentType?.includes('json')) {
        const d = await client.objects.download(bucket, objectKey, { range: `bytes=0-${PREVIEW_TEXT_BYTES - 1}` });
        setText(await new Response(d.body).text());
      }
    })().catch(setError);
  }, [bucket, objectKey]);
  const copy = async () => {
    if (!url) return;
    await navigator.clipboard.writeText(url).then(
      () => setCopied(true),
      () => prompt('Copy the link', url),
    );
  };
  return (
    <div class="card" aria-label="object details">
      <h3>{objectKey}</h3>
      <ErrorBox error={error} />
      {info && (
        <table>
          <tbody>
            <tr>
              <th>Size</th>
              <td>
                <Bytes n={info.size} />
              </td>
            </tr>
            <tr>
              <th>Type</th>
              <td>{info.contentType}</td>
            </tr>
            <tr>
              <th>ETag</th>
              <td>{info.etag}</td>
            </tr>
            {Object.entries(info.metadata).map(([k, v]) => (
              <tr>
                <th>meta {k}</th>
                <td>{v}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <div class="row" style="margin-top:.6rem">
        {url && (
          <a class="link" href={url} download={objectKey.split('/').pop()}>
            Download
          </a>
        )}
        <button disabled={!url} onClick={copy}>
          {copied ? 'Link copied' : 'Copy presigned link (15 min)'}
        </button>
      </div>
      <div class="preview">
        {info?.contentType?.startsWith('image/') && url && <img alt={`preview of ${objectKey}`} src={url} />}
        {text !== null && <pre aria-label="text preview">{text}</pre>}
      </div>
    </div>
  );
}
