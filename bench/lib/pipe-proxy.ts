import { spawn } from 'node:child_process';
import { freePort } from '../../test/helpers/stall.js';
import { startEnv } from '../gateway.js';

// One URL: every request is answered with a GET of it (a presigned URL, so the client needs no signature).
const ONE_URL = `const a=new http.Agent({keepAlive:true});http.createServer((q,s)=>http.get(target,{agent:a},(u)=>{s.writeHead(200,{'content-length':u.headers['content-length']});u.pipe(s)}))`;
// An origin: each request goes there as it came (method, path, headers with its Host, body), so a request an
// S3 client signed for the proxy's address is valid at the origin too; the answer comes back as it is.
const ORIGIN = `const u=new URL(target);const a=new http.Agent({keepAlive:true,maxSockets:64});http.createServer((q,s)=>{const r=http.request({hostname:u.hostname,port:u.port,method:q.method,path:q.url,headers:q.headers,agent:a},(p)=>{s.writeHead(p.statusCode,p.headers);p.pipe(s)});r.on('error',()=>s.destroy());q.pipe(r)})`;

/**
 * A bare node:http pipe proxy in its own process, of one URL (`url`) or of every request to an origin
 * (`origin`): no framework, no auth, no checks, only the two hops every proxy makes. The floor of any
 * Node proxy on this machine, run with the gateway's malloc settings (startEnv): Node at its best.
 */
export async function pipeProxy(target: string, mode: 'url' | 'origin'): Promise<{ url: string; pid: number; stop: () => void }> {
  const port = await freePort();
  const code = `const http=require('http');const target=process.argv[1];${mode === 'url' ? ONE_URL : ORIGIN}.listen(${port},'127.0.0.1',()=>console.log('up'))`;
  const proxy = spawn(process.execPath, ['-e', code, target], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...startEnv() } });
  await new Promise((r) => proxy.stdout!.once('data', r));
  return { url: `http://127.0.0.1:${port}${mode === 'url' ? '/' : ''}`, pid: proxy.pid!, stop: () => proxy.kill() };
}
