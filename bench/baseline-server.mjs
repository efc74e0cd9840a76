/**
 * The ceiling for phase (1): a bare node:http server that reads the body, JSON.parses it and answers
 * {"success":true}. Whatever Tagbridge does on top (routing, validation, sealing, SQLite) is measured
 * against this. Prints {"address":…} once listening, like `tagbridge serve --json`.
 */
import { createServer } from 'node:http';

const ANSWER = '{"success":true}';
const FAILED = '{"success":false}';

const server = createServer((req, res) => {
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => {
    let status = 200;
    try {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      // Touch the result so the parse cannot be optimised away.
      if (!Array.isArray(body.events)) status = 400;
    } catch {
      status = 400;
    }
    const text = status === 200 ? ANSWER : FAILED;
    res.writeHead(status, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': text.length,
    });
    res.end(text);
  });
});
// Same keep-alive behaviour as Fastify's defaults, so connection reuse is not a difference.
server.keepAliveTimeout = 72_000;

server.listen(Number(process.env.PORT ?? 0), process.env.HOST ?? '127.0.0.1', () => {
  const { address, port } = server.address();
  process.stdout.write(`${JSON.stringify({ address: `http://${address}:${port}` })}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
