/**
 * The ceiling of the feeds phase: a bare node:http server that streams a file from disk, as a static
 * file server would. `GET /<name>` serves STATIC_DIR/<name>; a `.gz` file goes out as is with
 * `Content-Encoding: gzip` (the bytes a feed cache hit sends). Prints {"address":…} once listening.
 */
import { createReadStream, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { basename, join } from 'node:path';

const dir = process.env.STATIC_DIR;
const server = createServer((req, res) => {
  const name = basename(new URL(req.url ?? '/', 'http://x').pathname);
  const file = join(dir, name);
  let size;
  try {
    size = statSync(file).size;
  } catch {
    res.writeHead(404).end();
    return;
  }
  res.writeHead(200, {
    'content-type': name.includes('.xml') ? 'application/xml; charset=utf-8' : 'application/octet-stream',
    'content-length': size,
    ...(name.endsWith('.gz') ? { 'content-encoding': 'gzip' } : {}),
  });
  createReadStream(file).pipe(res);
});
server.listen(Number(process.env.PORT), process.env.HOST ?? '127.0.0.1', () => {
  const { address, port } = server.address();
  process.stdout.write(`${JSON.stringify({ address: `http://${address}:${port}` })}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
