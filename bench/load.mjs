/**
 * Load generation with autocannon, plus the bookkeeping the correctness checks need: every request gets
 * a sequence number (spliced into its events' ids), and we record which sequence numbers were answered
 * 2xx. With one request in flight per connection, the request a client is answered for is the one whose
 * setupRequest ran last on that client, so its context still holds the sequence number when the
 * response event fires (autocannon builds the next request only after emitting it).
 *
 * autocannon stops a timed run by destroying its sockets, so up to `connections` requests are sent but
 * never answered; the server may still commit them. The checks therefore treat those as "either".
 */
import autocannon from 'autocannon';

export const SENT = 1;
export const OK = 2;
export const FAILED = 3;

/**
 * Runs one load phase. `makeBody(seq)` builds the body of request `seq` (none for a GET). Either `durationSec` (timed) or
 * `amount` (exactly that many requests, each answered). Returns throughput from our own clock: autocannon
 * only notices the end of a timed run at its next one-second sample, which would skew req/s by up to 10 %.
 */
export async function runLoad({
  url,
  headers,
  makeBody,
  connections,
  durationSec,
  amount,
  timeoutSec = 30,
  method = 'POST',
}) {
  let status = new Uint8Array(1 << 16);
  let nextSeq = 0;
  const track = (seq, value) => {
    if (seq >= status.length) {
      const grown = new Uint8Array(status.length * 2);
      grown.set(status);
      status = grown;
    }
    status[seq] = value;
  };

  // autocannon's histogram has whole-millisecond resolution (a p50 of "0 ms"); keep our own samples.
  let latencies = new Float64Array(1 << 16);
  let ok = 0;
  let non2xx = 0;
  const statusCodes = {};
  let firstAt = 0;
  let lastAt = 0;
  let cpuAtFirst = null;

  const instance = autocannon({
    url,
    method,
    connections,
    pipelining: 1,
    timeout: timeoutSec,
    ...(amount ? { amount } : { duration: durationSec }),
    headers,
    requests: [
      {
        setupRequest(request, context) {
          const seq = nextSeq++;
          context.seq = seq;
          track(seq, SENT);
          if (makeBody) request.body = makeBody(seq);
          return request;
        },
      },
    ],
  });
  instance.on('response', (client, statusCode, _bytes, responseTime) => {
    const now = performance.now();
    if (firstAt === 0) {
      firstAt = now;
      cpuAtFirst = process.cpuUsage();
    }
    lastAt = now;
    const seq = client.requestIterator.context.seq;
    statusCodes[statusCode] = (statusCodes[statusCode] ?? 0) + 1;
    if (statusCode >= 200 && statusCode < 300) {
      if (ok >= latencies.length) {
        const grown = new Float64Array(latencies.length * 2);
        grown.set(latencies);
        latencies = grown;
      }
      latencies[ok] = responseTime;
      ok += 1;
      track(seq, OK);
    } else {
      non2xx += 1;
      track(seq, FAILED);
    }
  });
  const result = await new Promise((resolve, reject) => {
    instance.on('done', resolve);
    instance.on('error', reject);
  });
  const cpuAtLast = process.cpuUsage();

  // Measured from the first answer to the last: the connection set-up at the start and autocannon's wait
  // for its next sample tick at the end are not the server's time.
  const seconds = Math.max((lastAt - firstAt) / 1000, 1e-3);
  return {
    requestsOk: ok,
    non2xx,
    statusCodes,
    errors: result.errors,
    timeouts: result.timeouts,
    seconds,
    /** performance.now() of the first and last answer: the window the figures describe. */
    firstAt,
    lastAt,
    reqPerSec: ok / seconds,
    latencyMs: percentiles(latencies.subarray(0, ok)),
    /** Share of its core the load generator used: near 1.0 means the generator, not the server, bound it. */
    generatorCpu: cpuAtFirst
      ? (cpuAtLast.user + cpuAtLast.system - cpuAtFirst.user - cpuAtFirst.system) / 1e6 / seconds
      : null,
    sent: nextSeq,
    /** Per sequence number: SENT (never answered), OK (2xx) or FAILED. */
    status: status.subarray(0, nextSeq),
  };
}

/** Latency percentiles (ms) of 2xx answers, nearest-rank. */
function percentiles(samples) {
  if (samples.length === 0) return { p50: null, p90: null, p99: null, max: null, mean: null };
  const sorted = Float64Array.from(samples).sort();
  const at = (p) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
  let sum = 0;
  for (const v of sorted) sum += v;
  return { p50: at(50), p90: at(90), p99: at(99), max: sorted[sorted.length - 1], mean: sum / sorted.length };
}
