// Shared code of the three pages: translations, the WebSocket connection, the connection
// indicator, countdowns, toasts, ranking and a tiny DOM builder.
//
// Rule for every page: data from the server (team names, questions, answers) only ever goes
// into the DOM through `textContent` (see `h()`), never through innerHTML.

import vi from './i18n/vi.js';
import en from './i18n/en.js';

// ---------------------------------------------------------------------------------------------
// i18n
// ---------------------------------------------------------------------------------------------

/** Every user-visible string, Vietnamese first (the default) and English. `{name}` = parameter. */
const STRINGS = { vi, en };

const LANG_KEY = 'stagebuzz.lang';
let lang = readLang();
const langListeners = [];

function readLang() {
  try {
    const saved = localStorage.getItem(LANG_KEY);
    if (saved && STRINGS[saved]) return saved;
  } catch {
    // localStorage can be unavailable (private mode): Vietnamese default.
  }
  return 'vi';
}

/** Current language: `vi` or `en`. */
export function getLang() {
  return lang;
}

/** Translates `key`, filling `{name}` placeholders from `params`. Falls back to Vietnamese. */
export function t(key, params = {}) {
  const text = STRINGS[lang][key] ?? STRINGS.vi[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (m, name) => (name in params ? String(params[name]) : m));
}

/** Switches the language, remembers it, re-translates static text and tells the pages. */
export function setLang(next) {
  if (!STRINGS[next] || next === lang) return;
  lang = next;
  try {
    localStorage.setItem(LANG_KEY, next);
  } catch {
    // Not remembered; still switched for this page.
  }
  applyI18n();
  langListeners.forEach((fn) => fn(lang));
}

/** Calls `fn` after every language switch (pages re-render their dynamic text there). */
export function onLangChange(fn) {
  langListeners.push(fn);
}

/**
 * Translates static markup: `data-i18n` sets textContent; `data-i18n-title`,
 * `data-i18n-placeholder` and `data-i18n-aria-label` set those attributes.
 */
export function applyI18n(root = document) {
  document.documentElement.lang = lang;
  root.querySelectorAll('[data-i18n]').forEach((el) => {
    el.textContent = t(el.dataset.i18n);
  });
  for (const attr of ['title', 'placeholder', 'aria-label']) {
    const data = `data-i18n-${attr}`;
    root.querySelectorAll(`[${data}]`).forEach((el) => el.setAttribute(attr, t(el.getAttribute(data))));
  }
  document.querySelectorAll('[data-lang-toggle] [data-lang]').forEach((span) => {
    span.classList.toggle('active', span.dataset.lang === lang);
  });
}

/** Wires every `[data-lang-toggle]` button (VI/EN) and translates the page once. */
export function setupI18n() {
  document.querySelectorAll('[data-lang-toggle]').forEach((btn) => {
    btn.addEventListener('click', () => setLang(lang === 'vi' ? 'en' : 'vi'));
  });
  applyI18n();
}

/** The translated text of a `rejected` or `error` message (falls back to the server's English). */
export function codeMessage(msg) {
  const key = `${msg.type === 'rejected' ? 'rej' : 'err'}.${msg.code}`;
  if (STRINGS.vi[key]) return t(key);
  return t('err.unknown', { message: msg.message || msg.code || '?' });
}

// ---------------------------------------------------------------------------------------------
// WebSocket connection
// ---------------------------------------------------------------------------------------------

/**
 * `error` codes (or close reasons) after which retrying the same `hello` is pointless: stop
 * reconnecting and let the page decide (ask for the token again, show the team list…).
 */
export const FATAL_ERRORS = new Set([
  'bad_token', 'unknown_team', 'bad_code', 'unknown_device', 'device_revoked', 'device_refused',
]);

/** With `fastRetry`, the longest wait between two attempts: under a second, so a phone is back
 * within a second of the server or its network. */
const FAST_RETRY_MAX_MS = 750;
/** With a watchdog: a socket not open after this long is replaced. */
const CONNECTING_TIMEOUT_MS = 1500;

/** After the server refused a `hello` for a passing reason (`team_full`…), wait at least this. */
const REFUSED_RETRY_MS = 2000;

/**
 * Opens the socket, says `hello`, and keeps it alive: after a drop it retries after 0.5 s, then
 * backs off (1, 2, 4, 5 s max) and says `hello` again; the next `state` brings the page up to date.
 * With `fastRetry` (team phones) it retries after 0.25 s, 0.5 s, then every 0.75 s, so a phone is
 * back within a second of the server or its network. A phone waking up, coming back on screen or getting its
 * network back reconnects at once.
 *
 * Clock sync (team sockets): the server pings with `sync {t0}`; we answer at once with
 * `sync_reply {t0, t1, t2}` on the `performance.now()` clock, so the server can turn a buzz's
 * `pressed_at` into its own time and judge presses fairly whatever the Wi-Fi delay.
 *
 * - `hello`: extra fields of `hello`, an object or a function called at every (re)connection
 *   (a team phone first joins with its team's code, then rejoins with its device token).
 * - `watchdogMs`: for sockets the server pings at least every second (team): a socket silent
 *   for that long is taken as dead (a half-open TCP after a network change) and replaced.
 * - `onState(state, receivedAt)`: every `state`; `receivedAt` is `performance.now()` at receipt.
 * - `onMessage(msg)`: every other message (`welcome`, `ack`, `rejected`, `error`, `access`).
 *   A close whose reason is a fatal code (e.g. `device_revoked`, sent without an `error`) is
 *   passed on as `{type: 'error', code}` too.
 * - `onStatus(status)`: `connecting` (first connection), `connected` (after `welcome`),
 *   `disconnected` (dropped, until back), `failed`.
 * - `onSync(count)`: after each `sync_reply`, with how many this connection has sent.
 *
 * Returns `{ send(obj) → id | null, close(), syncs, connected, checkAlive() }`.
 */
export function connect({ role, team, token, hello, fastRetry = false, watchdogMs = 0, onState, onMessage, onStatus, onSync }) {
  const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`;
  let ws = null;
  let welcomed = false;
  let attempt = 0;
  let retryTimer = null;
  let stopped = false;
  let nextId = 1;
  let lastHeard = 0; // performance.now() of the last message (or of opening the socket)
  let syncs = 0; // sync replies sent on the current socket
  let refused = false; // the server answered this socket's hello with a (non-fatal) error
  let fatalSent = false;
  let everConnected = false; // a `welcome` came once: later attempts are reconnections
  const status = (s) => onStatus && onStatus(s);

  function fatal(code, message) {
    shutdown();
    status('failed');
    if (!fatalSent) {
      fatalSent = true;
      onMessage && onMessage({ type: 'error', code, message: message || code });
    }
  }

  function open() {
    clearTimeout(retryTimer);
    retryTimer = null;
    if (stopped) return;
    welcomed = false;
    syncs = 0;
    refused = false;
    lastHeard = performance.now();
    // After a drop the page keeps saying so ("reconnecting") until it is really back.
    status(everConnected ? 'disconnected' : 'connecting');
    let sock;
    try {
      sock = new WebSocket(url);
    } catch {
      scheduleRetry();
      return;
    }
    ws = sock;
    sock.addEventListener('open', () => {
      if (ws !== sock) return;
      const extra = typeof hello === 'function' ? hello() : hello;
      const msg = { type: 'hello', role };
      if (team) msg.team = team;
      if (token) msg.token = token;
      sock.send(JSON.stringify({ ...msg, ...(extra || {}) }));
    });
    sock.addEventListener('message', (ev) => {
      if (ws !== sock) return;
      const receivedAt = performance.now();
      lastHeard = receivedAt;
      let msg;
      try {
        msg = JSON.parse(ev.data);
      } catch {
        return; // Not JSON: ignore rather than crash the page on stage.
      }
      if (msg.type === 'sync') {
        // Answer before anything else: time spent here would count as network delay.
        sock.send(JSON.stringify({ type: 'sync_reply', t0: msg.t0, t1: receivedAt, t2: performance.now() }));
        syncs += 1;
        if (onSync) onSync(syncs);
        return;
      }
      if (msg.type === 'welcome') {
        welcomed = true;
        everConnected = true;
        attempt = 0;
        status('connected');
      } else if (msg.type === 'error' && FATAL_ERRORS.has(msg.code)) {
        fatal(msg.code, msg.message);
        return;
      } else if (msg.type === 'error' && !welcomed) {
        refused = true;
      }
      if (msg.type === 'state') onState && onState(msg, receivedAt);
      else onMessage && onMessage(msg);
    });
    sock.addEventListener('close', (ev) => {
      if (ws !== sock) return; // An old socket we already replaced or closed on purpose.
      ws = null;
      welcomed = false;
      if (stopped) return;
      // A revoked phone is closed with the reason only, no `error` before it.
      if (FATAL_ERRORS.has(ev.reason)) {
        fatal(ev.reason);
        return;
      }
      status('disconnected');
      scheduleRetry();
    });
  }

  function scheduleRetry() {
    if (stopped) return;
    let delay = fastRetry ? Math.min(FAST_RETRY_MAX_MS, 250 * 2 ** attempt) : Math.min(5000, 500 * 2 ** attempt);
    if (refused) delay = Math.max(delay, REFUSED_RETRY_MS);
    // Up to 30 % random spread: after a Wi-Fi blip a hall of phones must not all knock at the
    // same instant.
    delay = Math.round(delay * (1 + 0.3 * Math.random()));
    attempt += 1;
    clearTimeout(retryTimer);
    retryTimer = setTimeout(open, delay);
  }

  /** Drops the current socket (if any) and opens a new one now. */
  function reopen() {
    const sock = ws;
    ws = null;
    welcomed = false;
    if (sock) {
      try {
        sock.close();
      } catch {
        // Already closing.
      }
    }
    open();
  }

  /**
   * Whether the socket has been silent too long to be trusted (team sockets are pinged ≥ 1/s), or
   * is still not open long after it was made (a handshake on a LAN takes milliseconds).
   */
  function stale(limit) {
    if (!ws || watchdogMs <= 0) return false;
    const silent = performance.now() - lastHeard;
    return silent > limit || (ws.readyState === WebSocket.CONNECTING && silent > Math.min(limit, CONNECTING_TIMEOUT_MS));
  }

  // A phone waking up or getting Wi-Fi back should not wait for the backoff timer, nor for a
  // dead socket to time out.
  function retryNow() {
    if (stopped || document.visibilityState !== 'visible') return;
    if (!ws) open();
    else if (stale(Math.min(watchdogMs, 1500))) reopen();
  }
  document.addEventListener('visibilitychange', retryNow);
  window.addEventListener('online', retryNow);
  const watchdog = watchdogMs > 0 ? setInterval(() => {
    if (!stopped && stale(watchdogMs)) reopen();
  }, 250) : null;

  /** Stops reconnecting and forgets the page events (the socket itself may still close). */
  function shutdown() {
    stopped = true;
    clearTimeout(retryTimer);
    if (watchdog) clearInterval(watchdog);
    document.removeEventListener('visibilitychange', retryNow);
    window.removeEventListener('online', retryNow);
  }

  open();

  return {
    /** Sends a command with a fresh `id`; returns the id, or null when not connected. */
    send(obj) {
      if (!ws || !welcomed || ws.readyState !== WebSocket.OPEN) return null;
      const id = nextId++;
      ws.send(JSON.stringify({ ...obj, id }));
      return id;
    },
    /** Sync pings answered on the current connection (the server's clock estimate needs a few). */
    get syncs() {
      return syncs;
    },
    /** Joined (`welcome` received) on an open socket. */
    get connected() {
      return Boolean(ws) && welcomed && ws.readyState === WebSocket.OPEN;
    },
    /**
     * Reconnects at once if the socket is gone or has been quiet for `quietMs` (e.g. a buzz got no
     * answer while pings should be coming every 100 ms).
     */
    checkAlive(quietMs = 1500) {
      if (stopped) return;
      if (!ws) open();
      else if (stale(quietMs)) reopen();
    },
    /** Closes for good (e.g. the team page going back to the team list). */
    close() {
      shutdown();
      const sock = ws;
      ws = null;
      if (sock) sock.close();
    },
  };
}

/**
 * Connection indicator: a dot plus text in `el`. Returns `setStatus(status)`; the text follows
 * language switches by itself.
 */
export function connectionIndicator(el) {
  let current = 'connecting';
  el.classList.add('conn');
  const dot = h('span', { className: 'conn-dot', 'aria-hidden': 'true' });
  const label = h('span', { className: 'conn-label' });
  el.replaceChildren(dot, label);
  el.setAttribute('role', 'status');
  const render = () => {
    el.dataset.status = current;
    label.textContent = t(`conn.${current}`);
  };
  onLangChange(render);
  render();
  return (status) => {
    current = status;
    render();
  };
}

// ---------------------------------------------------------------------------------------------
// Countdown
// ---------------------------------------------------------------------------------------------

/**
 * The countdown bar used by the team and control pages: `#countdown` (hidden when no countdown
 * runs) with `#countdown-bar` scaled to the time left and `#countdown-secs` as text.
 */
export function createBarCountdown() {
  const box = document.getElementById('countdown');
  const bar = document.getElementById('countdown-bar');
  const secs = document.getElementById('countdown-secs');
  return createCountdown((c) => {
    box.hidden = !c;
    if (!c) return;
    bar.style.transform = `scaleX(${c.fraction})`;
    secs.textContent = countdownText(c.left);
    box.classList.toggle('urgent', c.left < 3000);
  });
}

/**
 * Countdown driven by a timer `{deadline_ms, countdown_ms}` of the question on stage (the round
 * kind says which: see kinds/index.js `timerOf`). The server and the device clocks differ, so
 * the remaining time (`deadline_ms − now_ms`) is anchored to `performance.now()` at receipt,
 * then animated with requestAnimationFrame.
 *
 * `onFrame(null)` when no countdown runs, else `onFrame({ left, total, fraction })` every frame
 * (`left`/`total` in ms, `fraction` = left / total, 0..1).
 */
export function createCountdown(onFrame) {
  let deadline = null; // in performance.now() time
  let total = 0;
  let raf = 0;

  function frame() {
    raf = 0;
    if (deadline === null) return;
    const left = Math.max(0, deadline - performance.now());
    onFrame({ left, total, fraction: total > 0 ? Math.min(1, left / total) : 0 });
    if (left > 0) raf = requestAnimationFrame(frame);
  }

  return {
    /** Feed every state, its receipt time and the timer of its question (or null) here. */
    update(state, receivedAt, timer) {
      cancelAnimationFrame(raf);
      raf = 0;
      if (!timer || timer.deadline_ms == null) {
        deadline = null;
        onFrame(null);
        return;
      }
      deadline = receivedAt + (timer.deadline_ms - state.now_ms);
      total = timer.countdown_ms || Math.max(1, timer.deadline_ms - state.now_ms);
      frame();
    },
  };
}

/** Whole seconds left, rounded up so "1" shows until the very end. */
export function secondsLeft(left) {
  return Math.ceil(left / 1000);
}

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/**
 * Tiny element builder. `props` keys: `className`, `dataset` (object), `text` (textContent),
 * any other key becomes an attribute. Children: nodes or strings (as text nodes, never HTML).
 */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === null || value === undefined || value === false) continue;
    if (key === 'className') el.className = value;
    else if (key === 'text') el.textContent = value;
    else if (key === 'dataset') Object.assign(el.dataset, value);
    else el.setAttribute(key, value === true ? '' : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(typeof child === 'string' || typeof child === 'number' ? String(child) : child);
  }
  return el;
}

/** The display name of team `id` in `state` (the id itself if unknown). */
export function teamName(state, id) {
  const team = state && state.teams.find((x) => x.id === id);
  return team ? team.name : id;
}

/**
 * Teams sorted by place (highest score first, ties keep the contest order) with a `rank`:
 * the server's (equal scores share a place unless a tie-breaker decided), or else computed
 * here the same way.
 */
export function rankTeams(teams) {
  const ranked = teams.every((team) => Number.isInteger(team.rank));
  const sorted = teams
    .map((team, order) => ({ ...team, order }))
    .sort((a, b) => (ranked ? a.rank - b.rank : b.score - a.score) || a.order - b.order);
  if (ranked) return sorted;
  sorted.forEach((team, i) => {
    team.rank = i > 0 && team.score === sorted[i - 1].score ? sorted[i - 1].rank : i + 1;
  });
  return sorted;
}

/** Prize name for a rank (1–3), or null. */
export function prizeName(rank) {
  return rank >= 1 && rank <= 3 ? t(`prize.${rank}`) : null;
}

/** "<round> · <question>" label of a state on a question, e.g. "Phần thi 1/1 · Câu 3/14". */
export function questionLabel(state) {
  if (!state.round || !state.question) return '';
  return [
    t('round', { n: state.round.number, total: state.round.total }),
    state.round.title,
    t('question_no', { n: state.question.number, total: state.question.total }),
  ].join(' · ');
}

/** An answer time in seconds, for people: "3,5 giây" (vi) / "3.5 s" (en). */
export function formatSeconds(ms) {
  if (typeof ms !== 'number' || !Number.isFinite(ms)) return '—';
  const n = (Math.max(0, ms) / 1000).toLocaleString(lang === 'vi' ? 'vi-VN' : 'en-US', {
    minimumFractionDigits: 1,
    maximumFractionDigits: 1,
  });
  return t('unit.s', { n });
}

/**
 * Points for people: "10", "8,5", "26,67" (vi) / "8.5" (en). The server sends points exact to a
 * hundredth; rounding to two places hides a binary fraction's tail (26.669999…).
 */
export function formatPoints(points) {
  if (typeof points !== 'number' || !Number.isFinite(points)) return '—';
  return (Math.round(points * 100) / 100).toLocaleString(lang === 'vi' ? 'vi-VN' : 'en-US', {
    maximumFractionDigits: 2,
    useGrouping: false,
  });
}

/** A key identifying the question on stage, to tell "same question, new state" from a new one. */
export function questionKey(state) {
  if (state.stage !== 'question' || !state.round || !state.question) return state.stage;
  return `${state.round.number}/${state.question.number}`;
}

/** Shows a short message at the bottom of the page (rejections, errors). */
export function toast(text, kind = 'error', ms = 3500) {
  let box = document.getElementById('toasts');
  if (!box) {
    box = h('div', { id: 'toasts', className: 'toasts', 'aria-live': 'assertive' });
    document.body.append(box);
  }
  const item = h('div', { className: `toast toast-${kind}`, text });
  box.append(item);
  setTimeout(() => item.classList.add('leaving'), ms);
  setTimeout(() => item.remove(), ms + 400);
}

/** Removes every toast (when the situation they talk about is over). */
export function clearToasts() {
  const box = document.getElementById('toasts');
  if (box) box.replaceChildren();
}

/** Countdown text: "7 giây", then "Hết giờ" at zero. */
export function countdownText(left) {
  return left > 0 ? t('seconds', { n: secondsLeft(left) }) : t('st.time_up');
}

/** Restarts a CSS animation class on `el` (removing and re-adding needs a reflow in between). */
export function replayAnimation(el, className) {
  el.classList.remove(className);
  void el.offsetWidth;
  el.classList.add(className);
}

// ---------------------------------------------------------------------------------------------
// Buzz timing: milliseconds, clock times, races
// ---------------------------------------------------------------------------------------------

/**
 * A duration in ms in the page's language: "12 ms", "0,8 ms" (vi) / "0.8 ms" (en). By default at
 * most one decimal, and only below 10 ms (where it matters); `decimals` fixes the count (the
 * evidence shows every value with one). `sign` prefixes "+" (gaps); negatives get "−".
 */
export function formatMs(ms, { decimals = null, sign = false } = {}) {
  if (typeof ms !== 'number' || !Number.isFinite(ms)) return '—';
  const digits = decimals ?? (Math.abs(ms) < 10 ? 1 : 0);
  const rounded = Number(Math.abs(ms).toFixed(digits));
  const number = rounded.toLocaleString(lang === 'vi' ? 'vi-VN' : 'en-US', {
    minimumFractionDigits: decimals ?? 0,
    maximumFractionDigits: digits,
  });
  const prefix = ms < 0 && rounded !== 0 ? '−' : sign ? '+' : '';
  return t('unit.ms', { n: `${prefix}${number}` });
}

/** A gap to the fastest press: "+12 ms", "+0,8 ms". */
export function formatGap(ms) {
  return formatMs(ms, { sign: true });
}

/** A server time (Unix ms, fractional) as a wall-clock time "hh:mm:ss.mmm" (ms truncated). */
export function formatClock(ms) {
  if (typeof ms !== 'number' || !Number.isFinite(ms)) return '—';
  const d = new Date(Math.floor(ms));
  const pad = (n, width = 2) => String(n).padStart(width, '0');
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

/**
 * "vừa xong", "2 s trước", "3 phút trước" for an age in ms. Under 2 s reads "just now": the
 * server refreshes link measurements once a second, so a healthy phone is always 0–1 s old.
 */
export function agoText(ms) {
  if (!(ms >= 2000)) return t('ago.now');
  if (ms < 60000) return t('ago.s', { n: Math.floor(ms / 1000) });
  return t('ago.min', { n: Math.floor(ms / 60000) });
}

/**
 * The server clock now (Unix ms), estimated from a `state` and `performance.now()` at its
 * receipt: `now_ms` plus the time elapsed on this device since.
 */
export function serverNow(state, receivedAt) {
  return state.now_ms + (performance.now() - receivedAt);
}

/** The race numbers (openings of the buzzers) that have buzzes, in order. */
export function races(buzz) {
  return [...new Set((buzz.buzzes || []).map((b) => b.race || 1))].sort((a, b) => a - b);
}

/** The buzzes of one race, earliest press first. */
export function raceBuzzes(buzz, race) {
  return (buzz.buzzes || [])
    .filter((b) => (b.race || 1) === race)
    .sort((a, b) => (a.rank || 0) - (b.rank || 0));
}

/** How long a lockout false start locks the team's buzzer (ms), or null for a lost question. */
export function lockoutMs(falseStart) {
  return typeof falseStart.locked_until_ms === 'number' ? falseStart.locked_until_ms - falseStart.at_ms : null;
}

// ---------------------------------------------------------------------------------------------
// Join codes
// ---------------------------------------------------------------------------------------------

/** The letters and digits of join codes (no look-alikes: 0/O, 1/I/L, 2/Z, 5/S, 8/B). */
export const JOIN_CODE_ALPHABET = 'ACDEFGHJKMNPQRTUVWXY34679';
/** Characters in a join code. */
export const JOIN_CODE_LENGTH = 7;

/** A join code as the server compares it: capitals, without spaces and dashes. */
export function normalizeJoinCode(value) {
  return String(value || '').toUpperCase().replace(/[\s\-‐-―]/g, '');
}

/**
 * What is wrong with a typed join code, as `{key, params}` to translate, or null. `partial`
 * (while typing): only characters that can never be right, not the length.
 */
export function checkJoinCode(value, { partial = false } = {}) {
  const code = normalizeJoinCode(value);
  const unique = (chars) => [...new Set(chars)].join(' ');
  // A Vietnamese keyboard turns "AA" into "Â", "DD" into "Đ", "AF" into "À"…
  const accented = [...code].filter((c) => c.charCodeAt(0) > 127 && /\p{L}/u.test(c));
  if (accented.length) return { key: 'join.code_ime', params: { chars: unique(accented) } };
  const invalid = [...code].filter((c) => !JOIN_CODE_ALPHABET.includes(c));
  if (invalid.length) return { key: 'join.code_chars', params: { chars: unique(invalid) } };
  if (partial) return null;
  if (!code.length) return { key: 'join.code_empty', params: {} };
  if (code.length !== JOIN_CODE_LENGTH) return { key: 'join.code_length', params: { n: code.length } };
  return null;
}

// ---------------------------------------------------------------------------------------------
// Question images
// ---------------------------------------------------------------------------------------------

/** How long a page holds a new question back for its image before showing it without. */
export const IMAGE_WAIT_MS = 1500;

/** The image of the question on stage (a path on this server, e.g. "/media/3fa1….png"), or null. */
export function questionImage(state) {
  const q = state && state.stage === 'question' ? state.question : null;
  return q && typeof q.image === 'string' && q.image ? q.image : null;
}

/**
 * Question images, loaded and decoded before they are shown, so that a picture appears whole
 * and at once, never as a broken-image icon. `onSettled(url)` is called when an image has
 * decoded or failed, and when its wait (`waitMs`) is over: the page renders again then.
 */
export function createImageLoader(onSettled, waitMs = IMAGE_WAIT_MS) {
  const images = new Map(); // url → {status: 'loading' | 'ready' | 'failed', img, waited}

  function entry(url) {
    let e = images.get(url);
    if (e) return e;
    const img = new Image();
    e = { status: 'loading', img, waited: false };
    images.set(url, e);
    const settle = (status) => {
      if (e.status !== 'loading') return;
      e.status = status;
      onSettled(url);
    };
    img.decoding = 'async';
    img.src = url;
    // decode() resolves once the picture can be painted without a flash, and fails for a missing
    // or broken file. A browser that rejects it for a picture it did load still shows that one.
    const decoded = typeof img.decode === 'function' ? img.decode()
      : new Promise((resolve, reject) => {
        img.onload = resolve;
        img.onerror = reject;
      });
    decoded.then(() => settle('ready'), () => settle(img.complete && img.naturalWidth > 0 ? 'ready' : 'failed'));
    setTimeout(() => {
      e.waited = true;
      if (e.status === 'loading') onSettled(url);
    }, waitMs);
    return e;
  }

  return {
    /** `loading`, `ready` or `failed`; starts loading `url` the first time. */
    status: (url) => entry(url).status,
    /** Whether a question with this image may be shown now: decoded, failed, or waited for long enough. */
    ready(url) {
      if (!url) return true;
      const e = entry(url);
      return e.status !== 'loading' || e.waited;
    },
    /** The decoded `<img>` of `url`: one element per image, shown in one place of the page. */
    element: (url) => entry(url).img,
  };
}

/**
 * Shows the image `url` in `figure` (hidden without one): the decoded picture; nothing yet while
 * it loads (the loader's `onSettled` renders again when it arrives); a short note when it could
 * not be loaded. `data-image` says which (`ready`, `loading`, `failed`).
 */
export function renderImage(figure, url, loader) {
  if (!url) {
    figure.hidden = true;
    figure.replaceChildren();
    delete figure.dataset.image;
    return;
  }
  const status = loader.status(url);
  figure.dataset.image = status;
  figure.hidden = status === 'loading';
  if (status === 'ready') {
    const img = loader.element(url);
    img.alt = t('image.alt');
    img.draggable = false;
    if (figure.childNodes.length !== 1 || figure.firstChild !== img) figure.replaceChildren(img);
  } else if (status === 'failed') {
    figure.replaceChildren(h('span', { className: 'image-failed', text: t('image.failed') }));
  } else {
    figure.replaceChildren();
  }
}
