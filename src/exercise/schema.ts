/**
 * The exercise file format (labs/exercises/<id>/exercise.yml): one zod schema, shape only.
 * Node names are checked against the exercise's lab in load.ts (the rules step).
 *
 * An exercise is a lab file, a story (task.md), a starting state applied after the lab is
 * up, and stages: each with a task, the bgplab checks that must hold, expectations of its
 * own, hints in order and a reference solution that can be applied.
 */
import { z } from 'zod';
import { CHECK_IDS } from '../checks/index.js';

const node = z.string().regex(/^[a-z][a-z0-9-]*$/, 'a node name (lowercase letters, digits, dashes)');
const prefix = z.string().regex(/^[0-9a-fA-F:.]+\/\d{1,3}$/, 'a prefix in CIDR form, e.g. 10.0.3.2/32');
const address = z.string().regex(/^[0-9a-fA-F:.]+$/, 'an IP address, e.g. 192.0.2.10');
const element = z.string().min(1).describe('what bgplab fail takes: node:ifname, nodeA--nodeB or node');

/** vtysh lines per node, run in one vtysh session each ("configure terminal" first where they configure). */
const vtysh = z.record(node, z.array(z.string().min(1)).min(1));

/** A fault the way `bgplab fail` takes it. */
export const faultSpecSchema = z.strictObject({
  element,
  mode: z.enum(['down', 'cut', 'isolate']).default('down').describe('down: link down / routing stopped; cut: 100 % loss, carrier kept; isolate: every link of a node down'),
});

export const setupSchema = z.strictObject({
  vtysh: vtysh.optional(),
  faults: z.array(faultSpecSchema).optional(),
});

export const solutionSchema = z.strictObject({
  vtysh: vtysh.optional(),
  /** heal these elements' faults (bgplab heal ELEMENT), or every fault with true */
  heal: z.union([z.literal(true), z.array(element)]).optional(),
});

const ecmp = z.strictObject({ node, prefix, nexthops: z.number().int().min(1).max(64) });
const session = z.strictObject({ node, peer: node });
const bfd = z.strictObject({ node, peer: node });
const route = z.strictObject({ node, prefix });
const own = z.strictObject({ node });
const leaves = z.strictObject({ server: node });
const reach = z.strictObject({ from: node, to: address, during: faultSpecSchema.optional() });
const outage = z.strictObject({
  between: z.tuple([node, node]),
  fail: faultSpecSchema,
  max_outage_ms: z.number().int().min(0),
});
const failover = z.strictObject({
  kind: z.enum(['link-down', 'link-cut', 'node-down']),
  target: z.string().min(1).describe('node:ifname for a link, node for node-down'),
  max_outage_ms: z.number().int().min(1),
});

/** One expectation: an object with exactly one of these keys. */
export const expectationSchema = z.union([
  z.strictObject({ ecmp }).describe('NODE has NEXTHOPS next hops (ECMP) for PREFIX'),
  z.strictObject({ session }).describe("NODE's BGP session to PEER is Established"),
  z.strictObject({ bfd }).describe("NODE's BFD peer PEER is up"),
  z.strictObject({ route }).describe('NODE has a route to PREFIX'),
  z.strictObject({ 'no-route': route }).describe('NODE has no route to PREFIX'),
  z.strictObject({ 'sends-only-own': own }).describe('NODE advertises to every peer only the prefixes it owns (its outbound filter)'),
  z.strictObject({ 'leaves-refuse': leaves }).describe("with SERVER's outbound filter lifted for a moment, no switch accepts from it a prefix it does not own (the leaves' inbound filter)"),
  z.strictObject({ reach }).describe('FROM pings TO (optionally while a fault is in place)'),
  z.strictObject({ outage }).describe('a probe between two nodes loses at most MAX_OUTAGE_MS while the fault is applied'),
  z.strictObject({ failover }).describe("bgplab's failover scenario (link-down, link-cut, node-down) within MAX_OUTAGE_MS"),
]);

export const EXPECTATION_KINDS = ['ecmp', 'session', 'bfd', 'route', 'no-route', 'sends-only-own', 'leaves-refuse', 'reach', 'outage', 'failover'] as const;

export const stageSchema = z.strictObject({
  title: z.string().min(1),
  task: z.string().min(1).describe('what the student must achieve (Markdown)'),
  /** applied when the stage begins (after the previous stage passed, and by reset) */
  setup: setupSchema.optional(),
  checks: z.array(z.enum(CHECK_IDS as [string, ...string[]])).default([]).describe("bgplab checks that must hold: sessions, routes, traceroute, transit, failover"),
  expect: z.array(expectationSchema).default([]),
  hints: z.array(z.string().min(1)).min(1),
  solution: solutionSchema,
});

export const exerciseFileSchema = z.strictObject({
  title: z.string().min(1),
  summary: z.string().min(1),
  lab: z.string().min(1).default('lab.yml'),
  task: z.string().min(1).default('task.md'),
  setup: setupSchema.optional(),
  stages: z.array(stageSchema).min(1),
});

export type ExerciseFile = z.output<typeof exerciseFileSchema>;
export type Stage = ExerciseFile['stages'][number];
export type Setup = z.output<typeof setupSchema>;
export type Solution = z.output<typeof solutionSchema>;
export type FaultSpec = z.output<typeof faultSpecSchema>;
export type Expectation = z.output<typeof expectationSchema>;
