/** Outbound HTTP to the platforms: one keep-alive undici agent, a timeout per request. */
import { Agent, request } from 'undici';
import type { HttpRequest, HttpResponse } from '../destinations/types.js';

export type SendResult =
  | { ok: true; response: HttpResponse }
  | { ok: false; kind: 'timeout' | 'network'; message: string };

export interface HttpSender {
  send(req: HttpRequest): Promise<SendResult>;
  close(): Promise<void>;
}

const MAX_RESPONSE_BYTES = 1024 * 1024;

/** JSON, or for `encoding: 'form'` (OAuth token requests) the flat body as `application/x-www-form-urlencoded`. */
export function serializeBody(req: HttpRequest): string {
  if (req.encoding !== 'form') return JSON.stringify(req.body);
  const form = new URLSearchParams();
  const fields =
    typeof req.body === 'object' && req.body !== null && !Array.isArray(req.body) ? req.body : {};
  for (const [name, value] of Object.entries(fields)) {
    if (typeof value === 'string') form.append(name, value);
  }
  return form.toString();
}

export class UndiciSender implements HttpSender {
  private readonly agent: Agent;

  constructor(private readonly timeoutMs: number) {
    this.agent = new Agent({ keepAliveTimeout: 30_000, connections: 32, pipelining: 1 });
  }

  async send(req: HttpRequest): Promise<SendResult> {
    try {
      const res = await request(req.url, {
        method: req.method,
        headers: req.headers,
        body: serializeBody(req),
        dispatcher: this.agent,
        headersTimeout: this.timeoutMs,
        bodyTimeout: this.timeoutMs,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      let body = '';
      for await (const chunk of res.body) {
        if (body.length < MAX_RESPONSE_BYTES) body += chunk.toString();
      }
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(res.headers)) {
        if (value !== undefined)
          headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
      }
      return { ok: true, response: { status: res.statusCode, headers, body } };
    } catch (error) {
      const err = error as { name?: string; code?: string; message?: string };
      const timeout =
        err.name === 'TimeoutError' ||
        err.name === 'AbortError' ||
        err.code === 'UND_ERR_HEADERS_TIMEOUT' ||
        err.code === 'UND_ERR_BODY_TIMEOUT';
      return {
        ok: false,
        kind: timeout ? 'timeout' : 'network',
        message: timeout
          ? `no answer within ${this.timeoutMs} ms`
          : `${err.code ?? 'error'}: ${err.message ?? ''}`,
      };
    }
  }

  async close(): Promise<void> {
    await this.agent.close();
  }
}
