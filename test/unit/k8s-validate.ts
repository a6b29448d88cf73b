/**
 * Kubernetes-side validation without a cluster, for the clabernetes target's resources:
 * a CRD's openAPIV3Schema as the API server applies it (ajv), and the built-in shapes the
 * resources use (Namespace, ConfigMap), written from the Kubernetes API reference.
 *
 * What the API server does that a plain JSON Schema validator does not, and how it is done here:
 * - unknown fields: pruned by a structural schema, and refused by `kubectl apply` (server-side
 *   field validation "Strict", kubectl's default since 1.25): every object schema with
 *   `properties` and neither `additionalProperties` nor x-kubernetes-preserve-unknown-fields
 *   gets additionalProperties: false;
 * - `nullable`, `format: int32/int64`: ajv knows nullable; the formats are checked as ranges;
 * - x-kubernetes-* keywords (list types, int-or-string, CEL validations): left to ajv's
 *   non-strict mode (ignored); CEL rules here only compare with the old object.
 * - apiVersion/kind: checked against the CRD's group, version and kind.
 */
import { readFileSync } from 'node:fs';
import { Ajv, type ValidateFunction } from 'ajv';
import { parse } from 'yaml';
import { DNS1123_SUBDOMAIN_MAX, DNS1123_SUBDOMAIN_RE, DNS1123_LABEL_RE } from '../../src/lab/k8s-names.js';

export const CRD_FILES = {
  'clabernetes.containerlab.dev': 'test/fixtures/clabernetes/v0.6.0-clabernetes.containerlab.dev_topologies.yaml',
  'c9s.run': 'test/fixtures/clabernetes/v0.8.0-c9s.run_topologies.yaml',
} as const;

/** Kubernetes' limit on a ConfigMap's data (core/v1 validation: MaxSecretSize, 1 MiB). */
export const CONFIGMAP_MAX_BYTES = 1024 * 1024;
/** etcd's default request limit (--max-request-bytes 1.5 MiB): a bigger object is refused. */
export const OBJECT_MAX_BYTES = 1.5 * 1024 * 1024;

export interface Checked {
  ok: boolean;
  errors: string[];
}

type Json = Record<string, unknown>;

function structural(s: unknown): unknown {
  if (Array.isArray(s)) return s.map(structural);
  if (!s || typeof s !== 'object') return s;
  const o: Json = {};
  for (const [k, v] of Object.entries(s as Json)) o[k] = k === 'description' ? undefined : structural(v);
  for (const k of Object.keys(o)) if (o[k] === undefined) delete o[k];
  if (o['properties'] && o['additionalProperties'] === undefined && o['x-kubernetes-preserve-unknown-fields'] !== true) o['additionalProperties'] = false;
  return o;
}

function newAjv(): Ajv {
  const ajv = new Ajv({ strict: false, allErrors: true, logger: false });
  const int = (bits: number) => (n: number) => Number.isInteger(n) && n >= -(2 ** (bits - 1)) && n < 2 ** (bits - 1);
  ajv.addFormat('int32', { type: 'number', validate: int(32) });
  ajv.addFormat('int64', { type: 'number', validate: int(64) });
  return ajv;
}

const say = (v: ValidateFunction) => (v.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}${e.params ? ` ${JSON.stringify(e.params)}` : ''}`);

export interface CrdValidator {
  apiVersion: string;
  kind: string;
  check(obj: unknown): Checked;
}

const crdCache = new Map<string, CrdValidator>();

export function crdValidator(api: keyof typeof CRD_FILES): CrdValidator {
  const hit = crdCache.get(api);
  if (hit) return hit;
  const crd = parse(readFileSync(CRD_FILES[api], 'utf8')) as {
    spec: { group: string; names: { kind: string }; versions: { name: string; served: boolean; schema: { openAPIV3Schema: unknown } }[] };
  };
  const version = crd.spec.versions.find((v) => v.served)!;
  const validate = newAjv().compile(structural(version.schema.openAPIV3Schema) as Json);
  const apiVersion = `${crd.spec.group}/${version.name}`;
  const kind = crd.spec.names.kind;
  const v: CrdValidator = {
    apiVersion,
    kind,
    check(obj) {
      const errors: string[] = [];
      if (!validate(obj)) errors.push(...say(validate));
      const o = obj as { apiVersion?: string; kind?: string; metadata?: { name?: string; namespace?: string } };
      if (o.apiVersion !== apiVersion) errors.push(`apiVersion ${o.apiVersion} is not ${apiVersion}`);
      if (o.kind !== kind) errors.push(`kind ${o.kind} is not ${kind}`);
      errors.push(...metadataErrors(o.metadata, true));
      return { ok: errors.length === 0, errors };
    },
  };
  crdCache.set(api, v);
  return v;
}

const LABEL_KEY = '^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$';
const LABEL_VALUE = '^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$';

const metadataSchema = (nameRe: string, nameMax: number) => ({
  type: 'object',
  required: ['name'],
  properties: {
    name: { type: 'string', pattern: nameRe, maxLength: nameMax },
    namespace: { type: 'string', pattern: DNS1123_LABEL_RE.source, maxLength: 63 },
    labels: { type: 'object', propertyNames: { pattern: LABEL_KEY, maxLength: 253 }, additionalProperties: { type: 'string', pattern: LABEL_VALUE, maxLength: 63 } },
    annotations: { type: 'object', additionalProperties: { type: 'string' } },
  },
  additionalProperties: false,
});

function metadataErrors(m: { name?: string; namespace?: string } | undefined, namespaced: boolean): string[] {
  const v = metadataValidator();
  const errors = v(m) ? [] : say(v).map((e) => `metadata${e}`);
  if (namespaced && !m?.namespace) errors.push('metadata.namespace missing');
  return errors;
}

let metaV: ValidateFunction | undefined;
function metadataValidator(): ValidateFunction {
  return (metaV ??= newAjv().compile(metadataSchema(DNS1123_SUBDOMAIN_RE.source, DNS1123_SUBDOMAIN_MAX)));
}

/** core/v1 ConfigMap: names are DNS-1123 subdomains, data keys `[-._a-zA-Z0-9]+` (at most 253), at most 1 MiB of data. */
const configMapSchema = {
  type: 'object',
  required: ['apiVersion', 'kind', 'metadata'],
  properties: {
    apiVersion: { const: 'v1' },
    kind: { const: 'ConfigMap' },
    metadata: metadataSchema(DNS1123_SUBDOMAIN_RE.source, DNS1123_SUBDOMAIN_MAX),
    data: { type: 'object', propertyNames: { pattern: '^[-._a-zA-Z0-9]+$', maxLength: 253 }, additionalProperties: { type: 'string' } },
    binaryData: { type: 'object', propertyNames: { pattern: '^[-._a-zA-Z0-9]+$', maxLength: 253 }, additionalProperties: { type: 'string' } },
    immutable: { type: 'boolean' },
  },
  additionalProperties: false,
};

/** core/v1 Namespace: the name is a DNS-1123 label. */
const namespaceSchema = {
  type: 'object',
  required: ['apiVersion', 'kind', 'metadata'],
  properties: {
    apiVersion: { const: 'v1' },
    kind: { const: 'Namespace' },
    metadata: metadataSchema(DNS1123_LABEL_RE.source, 63),
    spec: { type: 'object' },
  },
  additionalProperties: false,
};

let cmV: ValidateFunction | undefined;
let nsV: ValidateFunction | undefined;

export function checkConfigMap(obj: unknown): Checked {
  const v = (cmV ??= newAjv().compile(configMapSchema));
  const errors = v(obj) ? [] : say(v);
  const o = obj as { data?: Record<string, string>; metadata?: { namespace?: string } };
  if (!o.metadata?.namespace) errors.push('metadata.namespace missing');
  // the API server counts key and value bytes of data and binaryData
  const size = Object.entries(o.data ?? {}).reduce((n, [k, t]) => n + Buffer.byteLength(k) + Buffer.byteLength(String(t)), 0);
  if (size > CONFIGMAP_MAX_BYTES) errors.push(`data is ${size} bytes, over the ${CONFIGMAP_MAX_BYTES}-byte ConfigMap limit`);
  return { ok: errors.length === 0, errors };
}

export function checkNamespace(obj: unknown): Checked {
  const v = (nsV ??= newAjv().compile(namespaceSchema));
  const errors = v(obj) ? [] : say(v);
  return { ok: errors.length === 0, errors };
}
