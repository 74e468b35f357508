// The shapes the pathway pages read from the API (JSDoc types only: tsc checks every use).

/**
 * @typedef {{ id: string, odsCode: string, name: string }} Organisation
 * @typedef {{ id: string, key: string, name: string, kind: string, organisation: Organisation, site: string | null,
 *   activityCode: string | null, touchMinutes: number, valueClass: string, wasteKinds: string[], dataItems: string[],
 *   capacityPerDay: number | null, percentCompleteAccurate: number | null }} Step
 * @typedef {{ id: string, from: { id: string, key: string, name: string }, to: { id: string, key: string, name: string },
 *   probability: number | null, waitMinutes: number, handoff: string, crossesOrganisations: boolean }} Transition
 * @typedef {{ code: string, message: string, steps: string[], transitions: string[] }} Problem
 * @typedef {{ organisation: Organisation, state: string, decidedBy: string | null, decidedAt: string | null,
 *   comment: string | null, requestedAt: string | null }} OrganisationAgreement
 * @typedef {{ complete: boolean, organisations: OrganisationAgreement[] }} Agreement
 * @typedef {{ id: string, about: string, subjectId: string, author: string, yours: boolean, body: string, resolved: boolean,
 *   resolvedBy: string | null, createdAt: string, version: number }} Comment
 * @typedef {{ name: string, memberships: { odsCode: string, role: string }[] }} Me
 * @typedef {{ id: string, name: string, description: string, condition: string, status: string, revision: number,
 *   demandPerDay: number | null, parentId: string | null, updatedAt: string, owner: Organisation, steps: Step[],
 *   transitions: Transition[], problems: Problem[], mapSvg: string,
 *   versions: { nodes: { id: string, revision: number, versionLabel: number | null, status: string }[] },
 *   agreement: Agreement, comments: CommentPage, openComments: { totalCount: number } }} Pathway
 * @typedef {{ totalCount: number, pageInfo: { hasNextPage: boolean, endCursor: string | null }, nodes: Comment[] }} CommentPage
 * @typedef {{ kind: string, title: string, explanation: string, minutesPerPatient: number, shareOfLeadTime: number,
 *   stepKeys: string[], transitions: string[] }} Hotspot
 * @typedef {{ expectedLeadTimeMinutes: number, valueAddedMinutes: number, flowEfficiency: number, expectedHandoffs: number,
 *   expectedCrossOrganisationHandoffs: number, reworkMinutes: number, hotspots: Hotspot[] }} Analysis
 */

export const STEP_KINDS = ["START", "ACTIVITY", "DECISION", "END"];
export const VALUE_CLASSES = ["VALUE_ADDING", "NECESSARY", "WASTE"];
export const WASTES = ["TRANSPORT", "INVENTORY", "MOTION", "WAITING", "OVERPRODUCTION", "OVER_PROCESSING", "DEFECTS", "SKILLS"];
export const HANDOFFS = ["INTERNAL", "REFERRAL", "TRANSFER", "LETTER", "PHONE", "ELECTRONIC", "DISCHARGE"];

/** The figures every analysis view asks for. */
export const ANALYSIS_FIELDS = `expectedLeadTimeMinutes valueAddedMinutes flowEfficiency expectedHandoffs
  expectedCrossOrganisationHandoffs reworkMinutes
  hotspots { kind title explanation minutesPerPatient shareOfLeadTime stepKeys transitions }`;

/** What every list of comments reads of each. */
export const COMMENT_FIELDS = "id about subjectId author yours body resolved resolvedBy createdAt version";

/** Comments read at a time ("Show more comments" reads the next ones): fifty keep the page's
 * request within the API's complexity limit (a page costs its size times its fields). */
export const COMMENT_PAGE = 50;

/** Everything the pathway page shows, in one request. */
export const PATHWAY_QUERY = `query($id: ID!) {
  pathway(id: $id) { id name description condition status revision demandPerDay parentId updatedAt
    owner { id odsCode name }
    steps { id key name kind organisation { id odsCode name } site activityCode touchMinutes valueClass wasteKinds
      dataItems capacityPerDay percentCompleteAccurate }
    transitions { id from { id key name } to { id key name } probability waitMinutes handoff crossesOrganisations }
    problems { code message steps transitions }
    mapSvg
    versions(first: 50) { nodes { id revision versionLabel status } }
    agreement { complete organisations { organisation { id odsCode name } state decidedBy decidedAt comment requestedAt } }
    comments(first: ${COMMENT_PAGE}) { totalCount pageInfo { hasNextPage endCursor } nodes { ${COMMENT_FIELDS} } }
    openComments: comments(unresolvedOnly: true, first: 1) { totalCount } }
  organisations(first: 100) { nodes { id odsCode name } }
  me { name memberships { odsCode role } } }`;
