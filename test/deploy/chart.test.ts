/**
 * The Helm chart (deploy/helm/tagbridge) renders and every manifest validates against the Kubernetes JSON
 * schemas (kubernetes-models, generated from Kubernetes' OpenAPI document). Helm itself cannot be installed
 * here (not a Debian package, not on npm), so the chart is rendered by test/deploy/helm-template.ts; when a
 * `helm` binary is on PATH, `helm lint` and `helm template` run as well and must agree on the kinds.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { Metrics } from '../../src/metrics.js';
import type { DB } from '../../src/storage/db.js';
import { fullValues, read, root } from './deploy-files.js';
import { renderChart, TemplateError } from './helm-template.js';

const chartDir = join(root, 'deploy/helm/tagbridge');

type Manifest = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: Record<string, unknown>;
  [key: string]: unknown;
};

type Container = {
  name: string;
  args: string[];
  env: { name: string; value?: string; valueFrom?: { secretKeyRef: { name: string; key: string } } }[];
  ports: { name: string; containerPort: number }[];
  readinessProbe?: { httpGet: { path: string; port: string } };
  livenessProbe?: { httpGet: { path: string; port: string } };
  startupProbe?: { httpGet: { path: string; port: string } };
  resources: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext: Record<string, unknown>;
};
type PodSpec = { containers: Container[]; securityContext: Record<string, unknown> };

const manifests = (values: Record<string, unknown> = fullValues): Manifest[] =>
  renderChart(chartDir, values).documents as Manifest[];
const find = (all: Manifest[], kind: string, suffix = ''): Manifest => {
  const found = all.find((m) => m.kind === kind && m.metadata.name.endsWith(suffix));
  assert.ok(found, `${kind} ${suffix}`);
  return found;
};
const podSpec = (m: Manifest): PodSpec => (m.spec as { template: { spec: PodSpec } }).template.spec;

/** `apps/v1` + `Deployment` → kubernetes-models' class for it, which validates against the schema. */
async function validateManifest(m: Manifest): Promise<void> {
  const module = (await import(`kubernetes-models/${m.apiVersion}`)) as Record<
    string,
    new (
      data: unknown,
    ) => { validate(): void }
  >;
  const Model = module[m.kind];
  assert.ok(Model, `kubernetes-models has ${m.apiVersion} ${m.kind}`);
  new Model(m).validate();
}

describe('the Helm chart', () => {
  test('renders the resources issue 14 asks for, each valid against the Kubernetes schemas', async () => {
    const all = manifests();
    const kinds = all.map((m) => `${m.kind}/${m.metadata.name}`).sort();
    assert.deepEqual(kinds, [
      'Deployment/tb-tagbridge-api',
      'Deployment/tb-tagbridge-worker',
      'HorizontalPodAutoscaler/tb-tagbridge-worker',
      'Ingress/tb-tagbridge',
      'Job/tb-tagbridge-migrate',
      'PodDisruptionBudget/tb-tagbridge-api',
      'PodDisruptionBudget/tb-tagbridge-worker',
      'Secret/tb-tagbridge',
      'Service/tb-tagbridge-api',
    ]);
    for (const m of all) await validateManifest(m);
    // The schemas do reject a broken manifest (so passing above means something).
    const broken = structuredClone(find(all, 'Deployment', '-api'));
    (podSpec(broken).containers[0] as Container).ports[0]!.containerPort = 'http' as unknown as number;
    await assert.rejects(validateManifest(broken), /containerPort must be integer/);
  });

  test('both roles: the right command, readiness/liveness/startup probes on /health, requests and limits', () => {
    const all = manifests();
    for (const role of ['api', 'worker']) {
      const deployment = find(all, 'Deployment', `-${role}`);
      const [container] = podSpec(deployment).containers;
      assert.ok(container);
      assert.deepEqual(container.args, ['serve', '--role', role]);
      const http = container.ports.find((p) => p.name === 'http');
      assert.equal(http?.containerPort, 8080);
      assert.equal(container.env.find((e) => e.name === 'PORT')?.value, '8080');
      for (const probe of ['readinessProbe', 'livenessProbe', 'startupProbe'] as const) {
        assert.deepEqual(container[probe]?.httpGet, { path: '/health', port: 'http' }, `${role} ${probe}`);
      }
      assert.ok(container.resources.requests?.cpu && container.resources.requests.memory, `${role} requests`);
      assert.ok(container.resources.limits?.memory, `${role} memory limit`);
      // Metrics on their own port, which the Service does not expose.
      assert.ok(container.ports.some((p) => p.name === 'metrics'));
    }
    const service = find(all, 'Service', '-api');
    assert.deepEqual(
      (service.spec as { ports: { targetPort: string }[] }).ports.map((p) => p.targetPort),
      ['http'],
    );
  });

  test('selectors pick the right pods: Service → API, PDBs → their role, HPA → the worker Deployment', () => {
    const all = manifests();
    const labelsOf = (suffix: string): Record<string, string> =>
      (find(all, 'Deployment', suffix).spec as { template: { metadata: { labels: Record<string, string> } } })
        .template.metadata.labels;
    const matches = (selector: Record<string, string>, labels: Record<string, string>): boolean =>
      Object.entries(selector).every(([k, v]) => labels[k] === v);
    const api = labelsOf('-api');
    const worker = labelsOf('-worker');
    const serviceSelector = (find(all, 'Service', '-api').spec as { selector: Record<string, string> })
      .selector;
    assert.ok(matches(serviceSelector, api) && !matches(serviceSelector, worker));
    for (const [suffix, own, other] of [
      ['-api', api, worker],
      ['-worker', worker, api],
    ] as const) {
      const pdb = find(all, 'PodDisruptionBudget', suffix).spec as {
        selector: { matchLabels: Record<string, string> };
      };
      assert.ok(matches(pdb.selector.matchLabels, own) && !matches(pdb.selector.matchLabels, other), suffix);
      const deployment = find(all, 'Deployment', suffix).spec as {
        selector: { matchLabels: Record<string, string> };
      };
      assert.ok(
        matches(deployment.selector.matchLabels, own) && !matches(deployment.selector.matchLabels, other),
      );
    }
    const hpa = find(all, 'HorizontalPodAutoscaler').spec as {
      scaleTargetRef: { kind: string; name: string };
    };
    assert.deepEqual(hpa.scaleTargetRef, {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      name: 'tb-tagbridge-worker',
    });
    // With the HPA on, the Deployment leaves the replica count to it (a fixed one would fight it).
    assert.equal((find(all, 'Deployment', '-worker').spec as { replicas?: number }).replicas, undefined);
    const withoutHpa = manifests({ ...fullValues, worker: { autoscaling: { enabled: false } } });
    assert.equal(
      withoutHpa.some((m) => m.kind === 'HorizontalPodAutoscaler'),
      false,
    );
    assert.equal((find(withoutHpa, 'Deployment', '-worker').spec as { replicas?: number }).replicas, 2);
  });

  test('the HPA scales workers on the queue-depth gauge that src/metrics.ts exports', () => {
    const hpa = find(manifests(), 'HorizontalPodAutoscaler').spec as {
      metrics: { type: string; external: { metric: { name: string }; target: { type: string } } }[];
    };
    const [metric] = hpa.metrics;
    assert.equal(metric?.type, 'External');
    assert.equal(metric?.external.target.type, 'AverageValue');
    const name = metric?.external.metric.name ?? '';
    // The registry a worker node exports (a database handle makes it count the queue; none is queried here).
    const registry = new Metrics({} as DB).registry;
    const gauge = registry.getSingleMetric(name) as unknown as
      | { help: string; constructor: { name: string } }
      | undefined;
    assert.ok(gauge, `${name} is exported by src/metrics.ts`);
    assert.equal(gauge.constructor.name, 'Gauge');
    assert.match(gauge.help, /pending deliveries/i);
  });

  test('migration Job runs `migrate` as a pre-install/pre-upgrade hook, after the Secret it reads', () => {
    const all = manifests();
    const job = find(all, 'Job', '-migrate');
    const secret = find(all, 'Secret');
    assert.equal(job.metadata.annotations?.['helm.sh/hook'], 'pre-install,pre-upgrade');
    assert.equal(secret.metadata.annotations?.['helm.sh/hook'], 'pre-install,pre-upgrade');
    assert.ok(
      Number(secret.metadata.annotations?.['helm.sh/hook-weight']) <
        Number(job.metadata.annotations?.['helm.sh/hook-weight']),
      'the Secret is created first',
    );
    const [container] = podSpec(job).containers;
    assert.deepEqual(container?.args, ['migrate']);
    assert.equal(
      (job.spec as { template: { spec: { restartPolicy: string } } }).template.spec.restartPolicy,
      'Never',
    );
  });

  test('secrets: ENCRYPTION_KEY, DATABASE_URL and REDIS_URL from a Secret, required, or an existing Secret', () => {
    const all = manifests();
    const secret = find(all, 'Secret') as Manifest & { stringData: Record<string, string> };
    assert.equal(secret.stringData.ENCRYPTION_KEY, fullValues.secrets.ENCRYPTION_KEY);
    for (const m of all.filter((x) => x.kind === 'Deployment' || x.kind === 'Job')) {
      const env = podSpec(m).containers[0]?.env ?? [];
      for (const key of ['ENCRYPTION_KEY', 'DATABASE_URL', 'REDIS_URL']) {
        const entry = env.find((e) => e.name === key);
        assert.deepEqual(
          entry?.valueFrom?.secretKeyRef,
          { name: 'tb-tagbridge', key },
          `${m.metadata.name} ${key}`,
        );
        assert.equal(entry?.value, undefined, 'never a plain value');
      }
    }
    // Missing secret: rendering stops with a message naming the value.
    assert.throws(
      () => manifests({ ...fullValues, secrets: { ...fullValues.secrets, ENCRYPTION_KEY: '' } }),
      (e: unknown) => e instanceof TemplateError && /secrets\.ENCRYPTION_KEY is required/.test(e.message),
    );
    // An existing Secret instead: none is made, and every pod reads that one.
    const existing = manifests({ secrets: { existingSecret: 'tagbridge-prod' } });
    assert.equal(
      existing.some((m) => m.kind === 'Secret'),
      false,
    );
    const env = podSpec(find(existing, 'Deployment', '-api')).containers[0]?.env ?? [];
    assert.equal(
      env.find((e) => e.name === 'ENCRYPTION_KEY')?.valueFrom?.secretKeyRef.name,
      'tagbridge-prod',
    );
    // The pods roll when the chart's Secret changes.
    const checksum = (values: Record<string, unknown>): string | undefined =>
      (
        find(manifests(values), 'Deployment', '-api').spec as {
          template: { metadata: { annotations: Record<string, string> } };
        }
      ).template.metadata.annotations['checksum/secret'];
    assert.notEqual(
      checksum(fullValues),
      checksum({ ...fullValues, secrets: { ...fullValues.secrets, REDIS_URL: 'redis://other:6379' } }),
    );
  });

  test('non-root, read-only root filesystem, no privilege escalation, every capability dropped', () => {
    for (const m of manifests().filter((x) => x.kind === 'Deployment' || x.kind === 'Job')) {
      const spec = podSpec(m);
      assert.equal(spec.securityContext.runAsNonRoot, true);
      assert.notEqual(spec.securityContext.runAsUser, 0);
      for (const c of spec.containers) {
        assert.equal(c.securityContext.readOnlyRootFilesystem, true, m.metadata.name);
        assert.equal(c.securityContext.allowPrivilegeEscalation, false);
        assert.deepEqual(c.securityContext.capabilities, { drop: ['ALL'] });
      }
    }
  });

  test('values.schema.json refuses typos, and secrets among the plain settings', () => {
    assert.throws(
      () => manifests({ ...fullValues, secrets: { ...fullValues.secrets, ENCRYPTION_KEYS: 'x' } }),
      /values don't meet the specifications of the schema: \/secrets must NOT have additional properties/,
    );
    assert.throws(
      () => manifests({ ...fullValues, config: { ...fullValues.config, ENCRYPTION_KEY: 'plain' } }),
      /\/config must NOT be valid; \/config property name must be valid/,
    );
    assert.throws(
      () => manifests({ ...fullValues, worker: { replica: 3 } }),
      /\/worker must NOT have additional/,
    );
    assert.throws(
      () => manifests({ ...fullValues, secrets: { ...fullValues.secrets, DATABASE_URL: 'mysql://x' } }),
      /\/secrets\/DATABASE_URL must match pattern/,
    );
  });

  test('an Ingress requires TRUST_PROXY, and is optional', () => {
    assert.throws(
      () => manifests({ ...fullValues, config: { TRUST_PROXY: '' } }),
      /config\.TRUST_PROXY must name the ingress controller/,
    );
    const none = manifests({ ...fullValues, ingress: { enabled: false } });
    assert.equal(
      none.some((m) => m.kind === 'Ingress'),
      false,
    );
  });
});

const helmMissing =
  spawnSync('sh', ['-c', 'command -v helm']).status === 0
    ? false
    : 'helm is not installed (not a Debian package nor on npm: it cannot be installed here); the chart is rendered by test/deploy/helm-template.ts above';

test('helm lint and helm template agree (when helm is installed)', { skip: helmMissing }, () => {
  const sets = [
    `secrets.ENCRYPTION_KEY=${fullValues.secrets.ENCRYPTION_KEY}`,
    `secrets.DATABASE_URL=${fullValues.secrets.DATABASE_URL}`,
    `secrets.REDIS_URL=${fullValues.secrets.REDIS_URL}`,
    `config.TRUST_PROXY=${fullValues.config.TRUST_PROXY}`,
    'ingress.enabled=true',
  ].flatMap((s) => ['--set', s]);
  const lint = spawnSync('helm', ['lint', '--strict', chartDir, ...sets], { encoding: 'utf8' });
  assert.equal(lint.status, 0, lint.stdout + lint.stderr);
  const rendered = spawnSync('helm', ['template', 'tb', chartDir, ...sets], { encoding: 'utf8' });
  assert.equal(rendered.status, 0, rendered.stderr);
  const kinds = parseAllDocuments(rendered.stdout)
    .map((d) => d.toJS() as Manifest | null)
    .filter((m): m is Manifest => m !== null)
    .map((m) => `${m.kind}/${m.metadata.name}`)
    .sort();
  const ours = renderChart(chartDir, {
    secrets: fullValues.secrets,
    config: fullValues.config,
    ingress: { enabled: true },
  }).documents.map((m) => `${(m as Manifest).kind}/${(m as Manifest).metadata.name}`);
  assert.deepEqual(kinds, ours.sort());
});
