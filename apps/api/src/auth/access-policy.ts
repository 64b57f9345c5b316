import { SetMetadata } from '@nestjs/common';
import type { StaffRole } from '@sanxian/domain';

/**
 * How far a role reaches on an endpoint it may call:
 * - `county`: everything the endpoint covers;
 * - `own-township`: the user's region only, a township or one village (the scope is a WHERE clause: another region's item is a 404);
 * - `own-agency`: a department liaison's own agency only (another agency is a 403).
 */
export type Reach = 'county' | 'own-township' | 'own-agency';

type Rule = Partial<Record<StaffRole, Reach>>;

const EVERY_ROLE: Rule = { admin: 'county', county: 'county', township: 'own-township', inspector: 'county', department: 'own-agency' };
/** The FP offices' work (discrepancies, link reviews, runs): to read, and inspectors watch it. */
const FP_READERS: Rule = { admin: 'county', county: 'county', township: 'own-township', inspector: 'county' };
/** The FP offices' work, to act on. */
const FP_ACTORS: Rule = { admin: 'county', county: 'county', township: 'own-township' };
const COUNTY_STAFF: Rule = { admin: 'county', county: 'county' };
/** The yearly plan and assessors' entries (no one's personal data): read by everyone who is assessed or assesses, departments included. */
const ASSESSMENT_READERS: Rule = { admin: 'county', county: 'county', township: 'county', inspector: 'county', department: 'county' };
/** The scoreboard is circulated county-wide: every role sees all of it (README "Staff console"). */
/**
 * Spot-check campaigns: county users run them, inspectors go out; a township user reaches only a
 * published campaign covering the township (the use-case answers 404 otherwise, whatever the endpoint).
 */
const CAMPAIGN_READERS: Rule = { admin: 'county', county: 'county', inspector: 'county', township: 'own-township' };
/** Acting on a campaign: listed for township users too, so that an unpublished campaign answers them 404 as for reading. */
const CAMPAIGN_RUNNERS: Rule = { admin: 'county', county: 'county', township: 'own-township' };
/** A team's draw, close and download: inspectors (the use-case admits only the team's leader). */
const TEAM_LEADERS: Rule = { inspector: 'county', township: 'own-township' };
const SCOREBOARD_READERS: Rule = { admin: 'county', county: 'county', township: 'county', inspector: 'county', department: 'county' };

/**
 * Which role may call which endpoint of the staff API, and how far it reaches there: the one
 * table the guard enforces (every staff route names its entry with @Access; a route without one is
 * refused). A role not listed gets 403. Department liaisons: the scoreboard and their agency's
 * exchange monitor only.
 */
export const ACCESS_POLICY = {
  'me.read': EVERY_ROLE,
  'auth.sign-out': EVERY_ROLE,

  'discrepancies.list': FP_READERS,
  'discrepancies.counts': FP_READERS,
  'discrepancies.read': FP_READERS,
  'discrepancies.resolve': FP_ACTORS,
  'discrepancies.assign': COUNTY_STAFF,
  'link-reviews.list': FP_READERS,
  'link-reviews.read': FP_READERS,
  'link-reviews.decide': FP_ACTORS,
  'reconciliations.list': FP_READERS,
  'reconciliations.start': FP_ACTORS,
  // Verification requests (协查) come from a discrepancy: whoever may act on it may ask; its readers read the thread.
  'verification-requests.send': FP_ACTORS,
  'verification-requests.read': FP_READERS,
  'verification-requests.list': FP_READERS,

  'plans.list': ASSESSMENT_READERS,
  'plans.read': ASSESSMENT_READERS,
  'plans.publish': COUNTY_STAFF,
  // Answered 405 whoever asks: published plans are never edited.
  'plans.edit': ASSESSMENT_READERS,
  'indicators.compute': COUNTY_STAFF,
  'assessment-inputs.list': ASSESSMENT_READERS,
  'assessment-inputs.enter': { admin: 'county', county: 'county', inspector: 'county' },
  'assessment-inputs.withdraw': { admin: 'county', county: 'county', inspector: 'county' },
  'assessment-publication.read': ASSESSMENT_READERS,
  'assessment-publication.publish': COUNTY_STAFF,
  // The year's ledger names the officials the county admonished: county staff and inspectors, audited.
  'ledger.read': { admin: 'county', county: 'county', inspector: 'county' },
  'ledger.decide': COUNTY_STAFF,
  // The payout sheet and the yellow-card list name units only, as the scoreboard does (whose workbook has them too).
  'ledger.export': SCOREBOARD_READERS,

  // Responsibility letters: the targets each unit signed for and who signed, circulated like the scoreboard.
  'letters.list': SCOREBOARD_READERS,
  'letters.read': SCOREBOARD_READERS,
  'letters.record': COUNTY_STAFF,

  'scoreboard.read': SCOREBOARD_READERS,
  // The records behind a number name citizens: not for department liaisons; township users their own units.
  'scoreboard.records': FP_READERS,

  'monitor.read': { admin: 'county', county: 'county', inspector: 'county', department: 'own-agency' },
  'monitor.replay': { admin: 'county' },
  'staff.directory': COUNTY_STAFF,

  'inspection-campaigns.create': COUNTY_STAFF,
  'inspection-campaigns.list': CAMPAIGN_READERS,
  'inspection-campaigns.read': CAMPAIGN_READERS,
  'inspection-campaigns.freeze': CAMPAIGN_RUNNERS,
  'inspection-campaigns.publish': CAMPAIGN_RUNNERS,
  'inspection-campaigns.record': CAMPAIGN_READERS,
  'inspection-campaigns.verify': CAMPAIGN_READERS,
  'inspection-draws.draw': TEAM_LEADERS,
  'inspection-draws.read': CAMPAIGN_READERS,
  'inspection-draws.frame': TEAM_LEADERS,
  'inspection-draws.close': TEAM_LEADERS,
  // Inspectors' signing keys: enrolled and revoked by an admin; county staff see which keys sign.
  'signing-keys.list': COUNTY_STAFF,
  'signing-keys.enroll': { admin: 'county' },
  'signing-keys.revoke': { admin: 'county' },
  // Signed survey returns: synced by the draw's team; read by county staff and inspectors, and by the
  // inspected township once the campaign is published (else 404, decided by the use-case).
  'survey-returns.submit': { inspector: 'county' },
  'survey-returns.read': CAMPAIGN_READERS,
} as const satisfies Record<string, Rule>;

export type Operation = keyof typeof ACCESS_POLICY;

export const ACCESS = 'staff-access';

/** The entry of ACCESS_POLICY a route is governed by. */
export const Access = (operation: Operation) => SetMetadata(ACCESS, operation);

/** The roles that may call `operation`. */
export function rolesAllowed(operation: Operation): StaffRole[] {
  return Object.keys(ACCESS_POLICY[operation]) as StaffRole[];
}

/** How far `role` reaches on `operation`; undefined: not allowed. */
export function reachOf(operation: Operation, role: StaffRole): Reach | undefined {
  return (ACCESS_POLICY[operation] as Rule)[role];
}
