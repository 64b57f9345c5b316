import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { applyPatch, type Operation } from 'fast-json-patch';
import { parseAllDocuments } from 'yaml';
import { loadConfig } from '@sanxian/contracts';
import { QueueName } from '@sanxian/jobs';

/**
 * Every manifest under deploy/k8s, validated against the Kubernetes API schemas (and the
 * CloudNativePG and KEDA CRD schemas) by kubernetes-models; each overlay's RFC 6902 patches are
 * applied to the base and the result validated again. Then what the schemas cannot know: the
 * probes, the secrets and the settings the hub itself reads.
 */
const K8S = join(__dirname, '..', '..', 'deploy', 'k8s');

interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  spec?: any;
  data?: Record<string, string>;
}

interface Kustomization {
  resources?: string[];
  images?: { name: string; newName?: string; newTag?: string }[];
  configMapGenerator?: { name: string; behavior?: string; literals?: string[] }[];
  patches?: { target: { kind: string; name: string }; path: string }[];
}

function readYaml<T>(file: string): T[] {
  return parseAllDocuments(readFileSync(file, 'utf8')).map((doc) => {
    if (doc.errors.length) throw new Error(`${file}: ${doc.errors[0].message}`);
    return doc.toJS() as T;
  });
}

function kustomization(dir: string): Kustomization {
  return readYaml<Kustomization>(join(dir, 'kustomization.yaml'))[0];
}

function baseManifests(): Manifest[] {
  const base = join(K8S, 'base');
  return (kustomization(base).resources ?? []).flatMap((file) => readYaml<Manifest>(join(base, file)));
}

/** The kubernetes-models class for a manifest's apiVersion and kind. */
function modelFor(manifest: Manifest): new (data: unknown) => { validate(): void } {
  const [group, version] = manifest.apiVersion.includes('/') ? manifest.apiVersion.split('/') : ['', manifest.apiVersion];
  const module =
    group === 'postgresql.cnpg.io'
      ? require(`@kubernetes-models/cloudnative-pg/${group}/${version}`)
      : group === 'keda.sh'
        ? require(`@kubernetes-models/keda/${group}/${version}`)
        : require(group ? `kubernetes-models/${group}/${version}` : `kubernetes-models/${version}`);
  const model = module[manifest.kind];
  if (!model) throw new Error(`no schema for ${manifest.apiVersion} ${manifest.kind}`);
  return model;
}

function validate(manifest: Manifest): void {
  const Model = modelFor(manifest);
  new Model(manifest).validate();
}

function overlay(name: string): { manifests: Manifest[]; kustomization: Kustomization } {
  const dir = join(K8S, 'overlays', name);
  const spec = kustomization(dir);
  expect(spec.resources).toEqual(['../../base']);
  const manifests = structuredClone(baseManifests());
  for (const patch of spec.patches ?? []) {
    const targets = manifests.filter((m) => m.kind === patch.target.kind && m.metadata.name === patch.target.name);
    expect(targets.map((m) => `${m.kind}/${m.metadata.name}`)).toEqual([`${patch.target.kind}/${patch.target.name}`]);
    const operations = readYaml<Operation[]>(join(dir, patch.path))[0];
    // validateOperation: a path that does not exist in the base fails here, as it would in kustomize.
    applyPatch(targets[0], operations, true, true);
  }
  return { manifests, kustomization: spec };
}

const containersOf = (manifests: Manifest[]) =>
  manifests.flatMap((m) => (m.spec?.template?.spec?.containers ?? []).map((c: any) => ({ owner: m, container: c })));

const envSchema = JSON.parse(readFileSync(join(__dirname, '..', '..', 'schemas', 'config', 'environment.schema.json'), 'utf8'));

describe('deploy/k8s', () => {
  it('lists every manifest file of the base, and only files that exist', () => {
    const resources = kustomization(join(K8S, 'base')).resources ?? [];
    expect(resources.length).toBeGreaterThan(5);
    for (const file of resources) expect(existsSync(join(K8S, 'base', file))).toBe(true);
  });

  it.each(baseManifests().map((m) => [`${m.kind}/${m.metadata.name}`, m] as const))('base %s is valid against its schema', (_, manifest) => {
    expect(() => validate(manifest)).not.toThrow();
  });

  it('refuses a manifest the schemas do not allow (the validator can fail)', () => {
    const deployment = structuredClone(baseManifests().find((m) => m.kind === 'Deployment')!);
    deployment.spec.replicas = 'two';
    expect(() => validate(deployment)).toThrow();
  });

  it.each(['county', 'prefecture'])('overlay %s: its patches apply to the base and every result is valid', (name) => {
    const { manifests, kustomization: spec } = overlay(name);
    for (const manifest of manifests) expect(() => validate(manifest)).not.toThrow();
    const images = new Set(containersOf(manifests).map(({ container }) => container.image.split(':')[0]));
    for (const image of spec.images ?? []) expect(images.has(image.name)).toBe(true);
    const configMaps = new Set(manifests.filter((m) => m.kind === 'ConfigMap').map((m) => m.metadata.name));
    for (const generator of spec.configMapGenerator ?? []) {
      expect(generator.behavior === 'merge' && configMaps.has(generator.name)).toBe(true);
      for (const literal of generator.literals ?? []) expect(envSchema.properties).toHaveProperty(literal.split('=')[0]);
    }
  });

  it('probes the api on /health/live and /health/ready, and asks resources for every container', () => {
    const manifests = baseManifests();
    const api = containersOf(manifests).find(({ owner }) => owner.metadata.name === 'sanxian-api')!.container;
    expect(api.livenessProbe.httpGet.path).toBe('/health/live');
    expect(api.readinessProbe.httpGet.path).toBe('/health/ready');
    for (const { owner, container } of containersOf(manifests)) {
      expect([owner.metadata.name, container.resources?.requests?.cpu && container.resources?.requests?.memory ? 'requests' : 'none']).toEqual([owner.metadata.name, 'requests']);
    }
  });

  it('points every autoscaler and disruption budget at a deployment that exists', () => {
    const manifests = baseManifests();
    const deployments = manifests.filter((m) => m.kind === 'Deployment');
    const names = new Set(deployments.map((m) => m.metadata.name));
    for (const m of manifests.filter((m) => m.kind === 'HorizontalPodAutoscaler' || m.kind === 'ScaledObject')) {
      expect(names.has(m.spec.scaleTargetRef.name)).toBe(true);
    }
    for (const pdb of manifests.filter((m) => m.kind === 'PodDisruptionBudget')) {
      const selected = deployments.filter((d) =>
        Object.entries(pdb.spec.selector.matchLabels).every(([k, v]) => d.spec.template.metadata.labels[k] === v),
      );
      expect(selected).toHaveLength(1);
    }
  });

  it('scales the workers on the waiting lists of the queues the hub really uses, under its queue prefix', () => {
    const manifests = baseManifests();
    const prefix = manifests.find((m) => m.kind === 'ConfigMap')!.data!.QUEUE_PREFIX;
    const scaled = manifests.find((m) => m.kind === 'ScaledObject')!;
    const lists = scaled.spec.triggers.map((t: any) => t.metadata.listName);
    expect(lists).toEqual([`${prefix}:${QueueName.Intake}:wait`, `${prefix}:${QueueName.Reconcile}:wait`, `${prefix}:${QueueName.ReconcileParts}:wait`]);
  });

  it('sets only settings the hub reads, and the hub starts from them with its secrets', () => {
    const manifests = baseManifests();
    const env: Record<string, string> = { ...manifests.find((m) => m.kind === 'ConfigMap')!.data };
    for (const { container } of containersOf(manifests)) {
      for (const variable of container.env ?? []) {
        expect(envSchema.properties).toHaveProperty(variable.name);
        const secret = variable.valueFrom?.secretKeyRef?.name;
        if (secret) expect(['sanxian-secrets', 'sanxian-pg-app']).toContain(secret);
        else if (variable.value !== undefined) env[variable.name] = variable.value;
      }
    }
    for (const key of Object.keys(env)) expect(envSchema.properties).toHaveProperty(key);
    const config = loadConfig({
      ...env,
      SECRETS_KEY: randomBytes(32).toString('base64'),
      DATABASE_URL: 'postgres://sanxian:secret@sanxian-pg-rw:5432/sanxian',
      REDIS_URL: 'redis://redis:6379',
    });
    expect(config.queuePrefix).toBe('{sanxian}');
    expect(dirname(config.checkpoints.file)).toBe('/var/lib/sanxian/checkpoints');
  });
});
