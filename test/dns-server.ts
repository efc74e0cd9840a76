/**
 * A tiny authoritative DNS server on UDP localhost for the domain verification tests: it answers CNAME and
 * TXT questions from a table the test edits (names lower case, no trailing dot), NXDOMAIN otherwise.
 * Point the service at it with DNS_SERVERS=127.0.0.1:<port>.
 */
import { createSocket, type Socket } from 'node:dgram';
import dnsPacket, { type Answer } from 'dns-packet';

export interface DnsRecords {
  cname?: string;
  txt?: string[];
}

export interface TestDnsServer {
  /** `127.0.0.1:<port>` for DNS_SERVERS. */
  address: string;
  records: Map<string, DnsRecords>;
  /** Questions received, as "TYPE name". */
  questions: string[];
  close(): Promise<void>;
}

function answersFor(name: string, type: string, records: DnsRecords | undefined): Answer[] {
  if (!records) return [];
  if (type === 'CNAME' && records.cname) {
    return [{ type: 'CNAME', name, ttl: 60, class: 'IN', data: records.cname }];
  }
  if (type === 'TXT' && records.txt) {
    return records.txt.map((value) => ({ type: 'TXT', name, ttl: 60, class: 'IN', data: [value] }));
  }
  return [];
}

export async function startDnsServer(): Promise<TestDnsServer> {
  const socket: Socket = createSocket('udp4');
  const records = new Map<string, DnsRecords>();
  const questions: string[] = [];
  socket.on('message', (message, remote) => {
    let query: dnsPacket.DecodedPacket;
    try {
      query = dnsPacket.decode(message);
    } catch {
      return;
    }
    const question = query.questions?.[0];
    if (!question) return;
    const name = question.name.toLowerCase().replace(/\.$/, '');
    questions.push(`${question.type} ${name}`);
    const known = records.get(name);
    const answers = answersFor(question.name, question.type, known);
    const response = dnsPacket.encode({
      type: 'response',
      id: query.id ?? 0,
      // Authoritative answer; RCODE 3 (NXDOMAIN) for names we do not know, NOERROR/NODATA otherwise.
      flags: dnsPacket.AUTHORITATIVE_ANSWER | (known ? 0 : 3),
      questions: [question],
      answers,
    });
    socket.send(response, remote.port, remote.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const { port } = socket.address();
  return {
    address: `127.0.0.1:${port}`,
    records,
    questions,
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}
