// The KPI dashboard: reads the filters, asks /api/kpi for every chart's figures, draws them.
"use strict";
const {barChart} = window.KpiCharts;
const form = document.getElementById("filters");
const statusLine = document.getElementById("status");
const LEVELS = {primary_care: "Hälsocentral / HC", bup: "BUP", parenting_group: "Föräldragrupp / Parent group",
                signposting: "Hänvisning / Signposting"};
const CHANNELS = {edi: "EDI", paper: "Papper / Paper", phone: "Telefon / Phone", partner: "Samverkan / Partner",
                  school_form: "Skolformulär / School form"};
const WAITS = {first_line_visit_7d: "Första linjen 7 d", bup_first_visit_30d: "BUP 30 d", care_guarantee_90d: "Vårdgaranti 90 d"};

// the words for codes and the units' names (contracts/labels.yaml, booking's units file), read before anything else
let WORDS = {unit: {}};
function words(kind, code) { const w = (WORDS[kind] || {})[code]; return w ? (Array.isArray(w) ? `${w[0]} / ${w[1]}` : w) : code; }
function unitId(text) {
  const byName = Object.entries(WORDS.unit).find(([, name]) => name.toLowerCase() === (text || "").trim().toLowerCase());
  return byName ? byName[0] : text;
}

// Signed out, or signed in with a token that no longer works: say which, and how to get in; no empty charts.
const SIGNIN_WHY = {
  none: "Du är inte inloggad: sidan öppnades utan token. / You are not signed in: the page was opened without a token.",
  401: "Din token är ogiltig eller har gått ut (de gäller 8 timmar). / Your token is invalid or has expired (they last 8 hours).",
  403: "Din roll får inte se nyckeltalen; de visas för KPI-analytiker och chefer. / Your role may not see the figures; they are for KPI analysts and heads.",
};
function needSignIn(why) {
  document.getElementById("signin-why").textContent = SIGNIN_WHY[why];
  document.getElementById("login").hidden = false;
  form.hidden = true;
  document.querySelector("main").hidden = true;
  statusLine.textContent = "";
}

function token() {
  const m = location.hash.match(/token=([^&]+)/);
  if (m) { sessionStorage.setItem("kpi-token", decodeURIComponent(m[1])); history.replaceState(null, "", location.pathname); }
  return sessionStorage.getItem("kpi-token");
}

// The requests of the latest filter change: a newer change aborts them, so a slow stale answer never
// overwrites the figures of the filters now on screen.
let current = new AbortController();

async function api(path, params = {}, signal = current.signal) {
  const qs = new URLSearchParams(Object.entries(params).filter(([, v]) => v));
  const r = await fetch(`/api/kpi/${path}${qs.toString() ? "?" + qs : ""}`, {headers: {Authorization: `Bearer ${token()}`}, signal});
  if (signal.aborted) throw new DOMException("superseded", "AbortError");
  if (r.status === 401 || r.status === 403) { needSignIn(r.status); throw new DOMException("signed out", "AbortError"); }
  if (!r.ok) {
    const body = await r.json().catch(() => ({}));
    throw new Error((body.errors || []).map(e => `${e.field}: ${e.sv} / ${e.en}`).join("; ") || `HTTP ${r.status}`);
  }
  return r.headers.get("content-type").includes("json") ? r.json() : r.text();
}

function filters() {
  const f = Object.fromEntries(new FormData(form).entries());
  return {from: f.from, to: f.to, grain: f.grain, municipality: f.municipality, unit: unitId(f.unit), sex: f.sex, basis: f.basis};
}

function column(rows, name) { return rows.map(r => r[name]); }

function links(section, path, params, label = "", keep = false) {
  const p = section.querySelector(".links");
  if (!keep) p.textContent = "";
  for (const fmt of ["json", "csv"]) {
    const a = document.createElement("a");
    a.href = "#"; a.textContent = `${label}${fmt.toUpperCase()}`; a.dataset.path = path;
    a.onclick = async (ev) => {
      ev.preventDefault();
      const body = await api(path, {...params, format: fmt}, new AbortController().signal);
      const blob = new Blob([fmt === "json" ? JSON.stringify(body, null, 2) : body], {type: fmt === "json" ? "application/json" : "text/csv"});
      const url = URL.createObjectURL(blob);
      const dl = Object.assign(document.createElement("a"), {href: url, download: `${path.split("/").pop()}.${fmt}`});
      dl.click(); URL.revokeObjectURL(url);
    };
    p.appendChild(a);
  }
}

function section(name) { return document.querySelector(`section[data-figure="${name}"]`); }
function note(name, text) { section(name).querySelector(".note").textContent = text; }

// which reading a clock chart shows: the filter's choice, else the definition's default
function basisOf(f, p) { return p.basis || f.basis; }
function basisLabel(f, p) { const b = f.bases[basisOf(f, p)]; return `${b.sv} / ${b.en}`; }
function showBasis(name, text) { section(name).querySelector(".basis").textContent = `Bas / Basis: ${text}`; }

async function drawAssessment(p) {
  const f = await api("figures/assessment_3d", p);
  const periods = column(f.rows, "period");
  const share = f.bases[basisOf(f, p)].share;
  barChart(section("assessment_3d").querySelector("svg"), periods,
           [{name: "Andel inom 3 dagar / Share within 3 days", values: column(f.rows, share)}],
           {percent: true, target: f.target});
  showBasis("assessment_3d", basisLabel(f, p));
  const last = f.rows[f.rows.length - 1] || {};
  note("assessment_3d", `Kontakter / contacts: ${sum(f.rows, "started")} (inom 3 dagar / within 3 days ${sum(f.rows, "cohort_met")} ` +
       `av avgjorda / of decided ${sum(f.rows, "cohort_base")}, ännu öppna / still open ${sum(f.rows, "cohort_pending")}). ` +
       `Genomförda / completed: ${sum(f.rows, "completed")}. Väntande vid periodens slut / waiting at period end: ` +
       `${last.waiting ?? 0} (varav över 3 dagar / over 3 days: ${last.waiting_over_limit ?? 0}). Mål / target ${Math.round(f.target * 100)}%.`);
  section("assessment_3d").dataset.share = share;
  links(section("assessment_3d"), "figures/assessment_3d", p);
}

async function drawCalls(p) {
  const f = await api("figures/calls", p);
  barChart(section("calls").querySelector("svg"), column(f.rows, "period"), [
    {name: "Besvarade / Answered", values: column(f.rows, "share_answered")},
    {name: "Samma dag / Day 0", values: column(f.rows, "share_answered_day0")}], {percent: true, target: f.target});
  note("calls", (f.offered_includes_queue_full ? "Samtal till fylld kö räknas som erbjudna / queue-full calls counted as offered. "
                 : "Samtal till fylld kö räknas inte som erbjudna, de redovisas bredvid / queue-full calls are not offered calls, reported beside. ") +
       "Fylld kö / Queue full: " + f.rows.map(r => `${r.period} ${r.queue_full}`).join(", "));
  links(section("calls"), "figures/calls", p);
}

async function drawReferrals(p) {
  const f = await api("figures/referrals_by_channel", p);
  barChart(section("referrals_by_channel").querySelector("svg"), column(f.rows, "period"),
           Object.entries(CHANNELS).map(([k, name]) => ({name, values: column(f.rows, k)})), {stacked: true});
  note("referrals_by_channel", `Skolremisser / School referrals: ${sum(f.rows, "school")} av / of ${sum(f.rows, "total")}.`);
  links(section("referrals_by_channel"), "figures/referrals_by_channel", p);
}

async function drawSchool(p) {
  const f = await api("figures/school_referrals", p);
  barChart(section("school_referrals").querySelector("svg"), column(f.rows, "period"), [
    {name: "Papper inom 3 dagar / Paper within 3 days", values: column(f.rows, "share_met_paper")},
    {name: "Formulär inom 3 dagar / Form within 3 days", values: column(f.rows, "share_met_digital")}],
    {percent: true});
  note("school_referrals", "Skolremisser per kanal / School referrals by channel: " +
       f.rows.map(r => `${r.period} papper/paper ${r.paper}, formulär/form ${r.digital}`).join("; "));
  links(section("school_referrals"), "figures/school_referrals", p);
}

async function drawTriage(p) {
  const f = await api("figures/triage_split", p);
  barChart(section("triage_split").querySelector("svg"), column(f.rows, "period"),
           Object.entries(LEVELS).map(([k, name]) => ({name, values: column(f.rows, k)})), {stacked: true});
  links(section("triage_split"), "figures/triage_split", p);
}

async function drawWaits(p) {
  const figs = await Promise.all(Object.keys(WAITS).map(m => api(`figures/${m}`, p)));
  barChart(section("waits").querySelector("svg"), column(figs[0].rows, "period"),
           figs.map((f, i) => ({name: Object.values(WAITS)[i], values: column(f.rows, f.bases[basisOf(f, p)].share)})), {percent: true});
  showBasis("waits", basisLabel(figs[0], p));
  note("waits", figs.map((f, i) => {
    const last = f.rows[f.rows.length - 1] || {};
    return `${Object.values(WAITS)[i]}: väntar / waiting ${last.waiting ?? 0}, över gränsen / over ${last.waiting_over_limit ?? 0}, ` +
           `patientvald väntan / patient-chosen ${sum(f.rows, "patient_chosen")}`;
  }).join(" · "));
  Object.entries(WAITS).forEach(([m, name], i) => links(section("waits"), `figures/${m}`, p, `${name} `, i > 0));
}

async function drawGroups(p) {
  const f = await api("figures/parent_groups", p);
  const labels = {groups: "Grupper / Groups", children: "Barn / Children", parents: "Föräldrar / Parents",
    girls: "Flickor / Girls", boys: "Pojkar / Boys", from_contact_centre: "Bokade från KC / Booked by KC",
    from_health_centre: "Bokade från HC / Booked by HC", dropped_out: "Avbrott / Drop-outs",
    still_at_health_centre_2m: "Kvar på HC efter 2 mån / Still at HC after 2 months",
    referred_to_bup_2m: "Till BUP inom 2 mån / To BUP within 2 months"};
  const table = section("parent_groups").querySelector("table");
  table.innerHTML = "";
  for (const [k, label] of Object.entries(labels)) {
    const tr = table.insertRow();
    tr.insertCell().textContent = label;
    const td = tr.insertCell(); td.className = "num"; td.dataset.key = k; td.textContent = sum(f.rows, k);
  }
  // the parents' evaluation: answers on the four scales, in the region's order
  const scales = [
    ["satisfaction", "Nöjdhet / Satisfaction", [["missnojd", "Missnöjd"], ["ej_nojd", "Ej nöjd"], ["nojd", "Nöjd"], ["mycket_nojd", "Mycket nöjd"]]],
    ["recommend", "Rekommendera / Recommend", [["ej_sannolikt", "Ej sannolikt"], ["liten_sannolikhet", "Liten sannolikhet"], ["sannolikt", "Sannolikt"], ["stor_sannolikhet", "Stor sannolikhet"]]],
    ["easier_everyday", "Lättare vardag / Easier everyday life", [["nej", "Nej"], ["en_del_situationer", "En del situationer"], ["ja_ofta", "Ja ofta"]]],
    ["exchange", "Erfarenhetsutbyte / Exchange", [["bra_givande", "Bra givande"], ["varken_eller", "Varken eller"], ["daligt", "Dåligt"]]],
  ];
  const answered = table.insertRow();
  answered.insertCell().textContent = "Utvärderingar / Evaluations";
  const n = answered.insertCell(); n.className = "num"; n.dataset.key = "evaluated"; n.textContent = sum(f.rows, "evaluated");
  for (const [scale, label, answers] of scales) {
    const tr = table.insertRow();
    tr.insertCell().textContent = label;
    const td = tr.insertCell(); td.className = "num"; td.dataset.key = scale;
    td.textContent = answers.map(([a, text]) => `${text} ${sum(f.rows, `${scale}_${a}`)}`).join(" · ");
  }
  links(section("parent_groups"), "figures/parent_groups", p);
}

async function drawDeviations(p) {
  const f = await api("figures/deviations", {...p, grain: "quarter"});
  barChart(section("deviations").querySelector("svg"), column(f.rows, "period"),
           Object.entries(f.rules).map(([id, t]) => ({name: t.sv, values: column(f.rows, id)})), {stacked: true});
  links(section("deviations"), "figures/deviations", {...p, grain: "quarter"});
}

async function drawClocks(p) {
  const f = await api("clocks", {municipality: p.municipality, unit: p.unit});
  const table = section("clocks").querySelector("table");
  table.innerHTML = "<tr><th>Ärende / Case</th><th>Klocka / Clock</th><th>Start</th><th>Sista dag / Deadline</th>" +
                    "<th>Dagar kvar / Days left</th><th>Enhet / Unit</th></tr>";
  for (const c of f.clocks) {
    const tr = table.insertRow();
    for (const v of [c.case_id, words("clock", c.clock), c.started, c.deadline, c.days_left, c.unit_id ? words("unit", c.unit_id) : "KC"]) {
      tr.insertCell().textContent = v;
    }
    if (c.days_left === 0) tr.className = "late";
  }
  if (!f.clocks.length) table.insertRow().insertCell().textContent = "Inga / None";
  const over = Object.entries(f.breached).map(([k, n]) => `${words("clock", k)}: ${n}`).join(", ") || "0";
  section("clocks").querySelector(".note").textContent = `Redan överskridna / already breached: ${over}`;
}

const SEX = {female: "Flickor / Girls", male: "Pojkar / Boys", other: "Annat / Other", unknown: "Okänt / Unknown"};

function pctCell(tr, value, target, key) {
  const td = tr.insertCell(); td.className = "num"; td.dataset.key = key;
  if (value === null || value === undefined) { td.textContent = "–"; td.title = "För få / too few to show"; return; }
  td.textContent = `${Math.round(value * 100)}%`;
  if (target) td.classList.add(value >= target ? "ok" : value >= target - 0.15 ? "warn" : "bad");
}

function numCell(tr, value, key, below) {
  const td = tr.insertCell(); td.className = "num"; td.dataset.key = key;
  td.textContent = value === null || value === undefined ? `<${below}` : value;
}

async function drawEqualCare(p) {
  // side by side for the whole period: not split by municipality or sex filters, which it replaces
  const params = {from: p.from, to: p.to, unit: p.unit, basis: p.basis};
  const [place, sex] = await Promise.all([api("equal-care", {...params, by: "municipality"}),
                                          api("equal-care", {...params, by: "sex"})]);
  const basis = place.basis, t = place.targets;
  for (const [f, dim, labels] of [[place, "municipality", null], [sex, "sex", SEX]]) {
    const table = section("equal_care").querySelector(`table[data-by="${dim}"]`);
    table.innerHTML = `<tr><th>${dim === "sex" ? "Kön / Sex" : "Kommun / Municipality"}</th><th>Kontakter / Contacts</th>` +
      "<th>Bedömd inom 3 d / Assessed ≤ 3 d</th><th>1:a linjen ≤ 7 d / First line ≤ 7 d</th><th>BUP ≤ 30 d</th>" +
      "<th>Väntar 1:a linjen / Waiting first line</th><th>Väntar BUP / Waiting BUP</th><th>Till HC / To HC</th><th>Till BUP / To BUP</th></tr>";
    for (const r of f.rows) {
      const tr = table.insertRow(); tr.dataset.value = r[dim];
      tr.insertCell().textContent = labels ? (labels[r[dim]] || r[dim]) : r[dim];
      numCell(tr, r.contacts, "contacts", f.suppressed_below);
      pctCell(tr, r.assessment_3d, t.assessment_3d, "assessment_3d");
      pctCell(tr, r.first_line_visit_7d, t.first_line_visit_7d, "first_line_visit_7d");
      pctCell(tr, r.bup_first_visit_30d, t.bup_first_visit_30d, "bup_first_visit_30d");
      numCell(tr, r.waiting_first_line, "waiting_first_line", f.suppressed_below);
      numCell(tr, r.waiting_bup, "waiting_bup", f.suppressed_below);
      pctCell(tr, r.share_primary_care, null, "share_primary_care");
      pctCell(tr, r.share_bup, null, "share_bup");
    }
  }
  const b = basis === "cohort" ? "kontaktkohort / contact cohort" : "genomförda / completed";
  section("equal_care").querySelector(".basis").textContent =
    `Bas för 3 dagar / Basis for 3 days: ${b}. Hela perioden / whole period ${place.from} – ${place.to}. ` +
    `Celler med färre än ${place.suppressed_below} barn visas inte / cells under ${place.suppressed_below} children are not shown.`;
  links(section("equal_care"), "equal-care", {...params, by: "municipality"});
}

function sum(rows, key) { return rows.reduce((s, r) => s + (r[key] || 0), 0); }

async function refresh() {
  current.abort();  // the previous filters' requests are stale now
  current = new AbortController();
  const mine = current;
  const p = filters();
  statusLine.textContent = "Hämtar / Loading…";
  try {
    // every chart draws only after all answers for these filters are in, so nothing stale is drawn
    await Promise.all([drawAssessment(p), drawCalls(p), drawReferrals(p), drawSchool(p), drawTriage(p), drawWaits(p), drawGroups(p),
                       drawDeviations(p), drawClocks(p), drawEqualCare(p)]);
    if (mine.signal.aborted) return;
    statusLine.textContent = `Uppdaterad / Updated ${new Date().toLocaleTimeString("sv-SE")}`;
    document.body.dataset.loaded = String(Number(document.body.dataset.loaded || 0) + 1);
  } catch (e) {
    if (e.name === "AbortError" || mine.signal.aborted) return;  // superseded by a newer filter change
    statusLine.textContent = e.message;
  }
}

async function start() {
  document.getElementById("login-form").onsubmit = (ev) => {
    ev.preventDefault(); sessionStorage.setItem("kpi-token", document.getElementById("token").value);
    document.getElementById("login").hidden = true; form.hidden = false; document.querySelector("main").hidden = false;
    init();
  };
  document.getElementById("print").onclick = () => window.print();
  WORDS = await fetch("/dashboard/labels.json").then(r => r.json()).catch(() => WORDS);
  if (!token()) { needSignIn("none"); return; }
  await init();
}

async function init() {
  const meta = await api("figures").catch(e => { if (e.name !== "AbortError") statusLine.textContent = e.message; });
  if (!meta) return;
  const sel = form.elements.municipality;
  if (sel.options.length === 1) for (const m of meta.municipalities) sel.add(new Option(m, m));
  // default period: the last 12 months, but not before the first month with data (no rows of empty bars)
  const today = meta.today;
  if (!form.elements.to.value) form.elements.to.value = today.slice(0, 7);
  if (!form.elements.from.value) {
    const d = new Date(`${today.slice(0, 7)}-01T00:00:00Z`); d.setUTCMonth(d.getUTCMonth() - 11);
    const yearAgo = d.toISOString().slice(0, 7), first = (meta.data_from || today).slice(0, 7);
    form.elements.from.value = first > yearAgo && first <= today.slice(0, 7) ? first : yearAgo;
  }
  const units = document.getElementById("units");
  if (!units.options.length) for (const u of meta.units) units.appendChild(new Option(words("unit", u)));
  form.onchange = refresh;
  await refresh();
}

start();
