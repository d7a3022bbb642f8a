// Drives the published `jira.js` package's AgileClient (board, sprint, backlog and rank calls)
// against a running jirakit sandbox. The shared conformance run covers jira.js's Version3Client and
// the Python package's agile calls, not these.
// Usage: node jirajs_agile.mjs READY_JSON   (NODE_PATH must reach jira.js)
// Prints "PASS|FAIL jira.js agile: <check>" lines and closes with "jira.js agile: N passed, N failed".
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { resolve } from "node:path";

const require = createRequire(resolve(process.env.NODE_PATH ?? "") + "/");
const { AgileClient, Version3Client } = require("jira.js");

const ready = JSON.parse(readFileSync(process.argv[2], "utf8"));
const config = {
  host: ready.url,
  authentication: { basic: { email: ready.email, apiToken: ready.api_token } },
};
const agile = new AgileClient(config);
const v3 = new Version3Client(config);
const results = [];
const state = {};

const expect = (cond, msg) => {
  if (!cond) throw new Error(msg);
};
const keysOf = (page) => (page.issues ?? []).map((i) => i.key);

async function check(name, fn) {
  try {
    await fn();
    results.push([name, null]);
    console.log(`PASS jira.js agile: ${name}`);
  } catch (e) {
    results.push([name, e]);
    const detail = e?.response?.data ? JSON.stringify(e.response.data).slice(0, 300) : String(e).slice(0, 300);
    console.log(`FAIL jira.js agile: ${name} -- ${detail}`);
  }
}

/// The HTTP status and Jira body of a refused call.
async function refusal(fn) {
  try {
    await fn();
  } catch (e) {
    return { status: e?.status ?? e?.response?.status ?? e?.cause?.status, data: e?.response?.data ?? e?.cause?.response?.data };
  }
  throw new Error("the call was not refused");
}

await check("setup: project, stories and a filter", async () => {
  const me = await v3.myself.getCurrentUser();
  await v3.projects.createProject({
    key: "JAG",
    name: "jira.js agile",
    projectTypeKey: "software",
    projectTemplateKey: "com.pyxis.greenhopper.jira:gh-simplified-scrum-classic",
    leadAccountId: me.accountId,
  });
  // Jira creates at most 50 issues per bulk request.
  const story = (i) => ({ fields: { project: { key: "JAG" }, issuetype: { name: "Story" }, summary: `Story ${i}` } });
  const first = await v3.issues.createIssues({ issueUpdates: Array.from({ length: 50 }, (_, i) => story(i)) });
  const second = await v3.issues.createIssues({ issueUpdates: [50, 51].map(story) });
  state.keys = [...first.issues, ...second.issues].map((i) => i.key);
  expect(state.keys.length === 52, `created ${state.keys.length}`);
  const filter = await v3.filters.createFilter({ name: "JAG board", jql: "project = JAG ORDER BY Rank ASC" });
  state.filterId = Number(filter.id);
});

await check("board.createBoard", async () => {
  const b = await agile.board.createBoard({
    name: "JAG board",
    type: "scrum",
    filterId: state.filterId,
    location: { type: "project", projectKeyOrId: "JAG" },
  });
  expect(b.id && b.type === "scrum", JSON.stringify(b));
  state.board = b.id;
});

await check("board.getAllBoards by project, type and name", async () => {
  const page = await agile.board.getAllBoards({ projectKeyOrId: "JAG", type: "scrum", name: "JAG" });
  expect(page.values.length === 1 && page.values[0].id === state.board, JSON.stringify(page).slice(0, 200));
  expect(page.isLast === true, `isLast ${page.isLast}`);
  const none = await agile.board.getAllBoards({ type: "kanban", name: "JAG" });
  expect(none.values.length === 0, `kanban boards ${none.values.length}`);
});

await check("board.getBoard and board.getConfiguration", async () => {
  const b = await agile.board.getBoard({ boardId: state.board });
  expect(b.name === "JAG board", b.name);
  const c = await agile.board.getConfiguration({ boardId: state.board });
  expect(c.columnConfig.columns.length > 0, JSON.stringify(c.columnConfig));
  expect(c.ranking?.rankCustomFieldId, JSON.stringify(c.ranking));
});

await check("board.getIssuesForBoard with jql", async () => {
  const all = await agile.board.getIssuesForBoard({ boardId: state.board, maxResults: 100 });
  expect(all.total === 52, `total ${all.total}`);
  const two = await agile.board.getIssuesForBoard({ boardId: state.board, jql: `key in (${state.keys[0]}, ${state.keys[1]})` });
  expect(two.issues.length === 2, `narrowed ${two.issues.length}`);
});

await check("sprint.createSprint and sprint.getSprint", async () => {
  const s = await agile.sprint.createSprint({ name: "JAG 1", originBoardId: state.board, goal: "Ship" });
  expect(s.state === "future" && s.originBoardId === state.board, JSON.stringify(s));
  state.sprint = s.id;
  const got = await agile.sprint.getSprint({ sprintId: s.id });
  expect(got.goal === "Ship", got.goal);
});

await check("sprint.moveIssuesToSprintAndRank refuses 51 issues", async () => {
  const r = await refusal(() => agile.sprint.moveIssuesToSprintAndRank({ sprintId: state.sprint, issues: state.keys.slice(0, 51) }));
  expect(r.status === 400, `status ${r.status}`);
});

await check("sprint.moveIssuesToSprintAndRank and sprint.getIssuesForSprint", async () => {
  await agile.sprint.moveIssuesToSprintAndRank({ sprintId: state.sprint, issues: state.keys.slice(0, 50) });
  const page = await agile.sprint.getIssuesForSprint({ sprintId: state.sprint, maxResults: 100 });
  expect(page.total === 50, `total ${page.total}`);
});

await check("board.getAllSprints by state", async () => {
  const future = await agile.board.getAllSprints({ boardId: state.board, state: "future" });
  expect(future.values.map((s) => s.id).join() === String(state.sprint), JSON.stringify(future.values));
  const active = await agile.board.getAllSprints({ boardId: state.board, state: "active" });
  expect(active.values.length === 0, `active ${active.values.length}`);
});

await check("sprint.partiallyUpdateSprint: starting without dates is a 400", async () => {
  const r = await refusal(() => agile.sprint.partiallyUpdateSprint({ sprintId: state.sprint, state: "active" }));
  expect(r.status === 400 && Array.isArray(r.data?.errorMessages), `status ${r.status} ${JSON.stringify(r.data)}`);
});

await check("sprint.partiallyUpdateSprint starts and closes a sprint", async () => {
  const started = await agile.sprint.partiallyUpdateSprint({
    sprintId: state.sprint,
    state: "active",
    startDate: "2026-01-05T09:00:00.000Z",
    endDate: "2026-01-19T17:00:00.000Z",
  });
  expect(started.state === "active", JSON.stringify(started));
  const closed = await agile.sprint.partiallyUpdateSprint({ sprintId: state.sprint, state: "closed" });
  expect(closed.state === "closed" && closed.completeDate, JSON.stringify(closed));
});

await check("sprint.updateSprint (full) and sprint.deleteSprint", async () => {
  const s = await agile.sprint.createSprint({ name: "JAG 2", originBoardId: state.board });
  const u = await agile.sprint.updateSprint({ sprintId: s.id, name: "JAG 2b", state: "future" });
  expect(u.name === "JAG 2b", JSON.stringify(u));
  await agile.sprint.deleteSprint({ sprintId: s.id });
  const r = await refusal(() => agile.sprint.getSprint({ sprintId: s.id }));
  expect(r.status === 404, `status ${r.status}`);
});

await check("board.getIssuesForBacklog and backlog.moveIssuesToBacklog", async () => {
  const before = await agile.board.getIssuesForBacklog({ boardId: state.board, maxResults: 100 });
  expect(before.total === 52, `closing sent the open issues back: total ${before.total}`);
  const s = await agile.sprint.createSprint({ name: "JAG 3", originBoardId: state.board });
  await agile.sprint.moveIssuesToSprintAndRank({ sprintId: s.id, issues: state.keys.slice(0, 3) });
  const mid = await agile.board.getIssuesForBacklog({ boardId: state.board, maxResults: 100 });
  expect(mid.total === 49, `total ${mid.total}`);
  await agile.backlog.moveIssuesToBacklog({ issues: state.keys.slice(0, 3) });
  const after = await agile.board.getIssuesForBacklog({ boardId: state.board, maxResults: 100 });
  expect(after.total === 52, `total ${after.total}`);
});

await check("issue.rankIssues before and after", async () => {
  const [a, b, c] = state.keys;
  await agile.issue.rankIssues({ issues: [c], rankBeforeIssue: a });
  let order = keysOf(await agile.board.getIssuesForBoard({ boardId: state.board, jql: `key in (${a}, ${b}, ${c})` }));
  expect(order.join() === [c, a, b].join(), order.join());
  await agile.issue.rankIssues({ issues: [c], rankAfterIssue: b });
  order = keysOf(await agile.board.getIssuesForBoard({ boardId: state.board, jql: `key in (${a}, ${b}, ${c})` }));
  expect(order.join() === [a, b, c].join(), order.join());
});

await check("board.deleteBoard", async () => {
  await agile.board.deleteBoard({ boardId: state.board });
  const r = await refusal(() => agile.board.getBoard({ boardId: state.board }));
  expect(r.status === 404, `status ${r.status}`);
});

const failed = results.filter(([, e]) => e).length;
console.log(`jira.js agile: ${results.length - failed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
