/* Baton sandbox: a small Slack-like client for the fake workspace (sandbox/slack/_ui.py).
 *
 * The page polls GET /ui/state and acts as the chosen person through POST /ui/…; the server
 * turns those into the real Slack deliveries the app receives.
 *
 * The first half of this file is pure: text in, HTML string out. Every piece of text is
 * escaped before any formatting is applied, so nothing a message says can become markup.
 * Those functions are exported for node, where the tests check exactly that. The second half
 * wires the page and only runs in a browser.
 */
"use strict";

// ================================================================= pure rendering

const EMOJI = {
  "+1": "👍", thumbsup: "👍", "-1": "👎", thumbsdown: "👎", repeat: "🔁", scissors: "✂️",
  mag: "🔍", mag_right: "🔎", warning: "⚠️", hourglass_flowing_sand: "⏳", hourglass: "⌛",
  pencil2: "✏️", pencil: "📝", memo: "📝", sparkles: "✨", information_source: "ℹ️",
  white_check_mark: "✅", heavy_check_mark: "✔️", x: "❌", eyes: "👀", tada: "🎉",
  rocket: "🚀", wave: "👋", smile: "😄", slightly_smiling_face: "🙂", joy: "😂", heart: "❤️",
  fire: "🔥", bulb: "💡", thinking_face: "🤔", raised_hands: "🙌", clap: "👏", pray: "🙏",
  question: "❓", exclamation: "❗", zap: "⚡", star: "⭐", calendar: "📅", bell: "🔔",
  lock: "🔒", inbox_tray: "📥", speech_balloon: "💬", ok_hand: "👌", no_entry: "⛔",
  construction: "🚧", point_right: "👉", robot_face: "🤖", gear: "⚙️", house: "🏠",
  arrows_counterclockwise: "🔄", wastebasket: "🗑️", hammer_and_wrench: "🛠️", link: "🔗",
};
// The reactions Baton reads as feedback, in the order its help text lists them.
const BATON_REACTIONS = ["+1", "-1", "repeat", "scissors", "mag"];
const PLACEHOLDER = /\u0000(\d+)\u0000/g;

function escapeHtml(value) {
  return String(value == null ? "" : value)
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

// Slack escapes exactly these three in message text; they are decoded, then re-escaped.
function unescapeEntities(text) {
  return String(text).replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
}

function emojiChar(name) {
  return Object.prototype.hasOwnProperty.call(EMOJI, name) ? EMOJI[name] : null;
}

// :name: -> the character, on text that is already escaped (names hold no markup).
function emojify(html) {
  return html.replace(/:([a-z0-9_+'-]+):/g, (whole, name) => {
    const char = emojiChar(name);
    return char ? `<span class="emoji" title=":${name}:">${char}</span>` : whole;
  });
}

// Only web and mail links become anchors: a javascript: URL stays plain text.
function safeUrl(url) {
  const trimmed = String(url).trim();
  return /^(https?:\/\/|mailto:)/i.test(trimmed) ? trimmed : null;
}

function linkHtml(url, innerHtml) {
  return `<a href="${escapeHtml(url)}" target="_blank" rel="noopener noreferrer">${innerHtml}</a>`;
}

// Stashing: finished HTML is swapped for \0N\0 so later formatting passes cannot touch it.
function stasher() {
  const stash = [];
  return {
    hold: (html) => "\u0000" + (stash.push(html) - 1) + "\u0000",
    restore: (text) => text.replace(PLACEHOLDER, (_, i) => stash[Number(i)]),
  };
}

// A NUL in the input could forge a placeholder: drop them first.
function clean(text) {
  return String(text == null ? "" : text).replace(/\u0000/g, "");
}

function userName(ctx, id) {
  const user = ctx && ctx.users && ctx.users[id];
  return user ? user.real_name || user.name : null;
}

function mentionHtml(label, mine) {
  return `<span class="mention${mine ? " me" : ""}">${escapeHtml(label)}</span>`;
}

// One Slack control sequence (what sits between < and >), or null when it is none.
function renderControl(inner, ctx) {
  const bar = inner.indexOf("|");
  const target = bar < 0 ? inner : inner.slice(0, bar);
  const label = bar < 0 ? null : unescapeEntities(inner.slice(bar + 1));
  let m = /^@([UWB][A-Z0-9]+)$/.exec(target);
  if (m) {
    return mentionHtml("@" + (userName(ctx, m[1]) || label || m[1]), ctx && ctx.me === m[1]);
  }
  m = /^#([CGD][A-Z0-9]+)$/.exec(target);
  if (m) {
    const channel = ctx && ctx.channels && ctx.channels[m[1]];
    return `<span class="channel-mention">#${escapeHtml(label || channel || m[1])}</span>`;
  }
  m = /^!(here|channel|everyone)$/.exec(target);
  if (m) return mentionHtml("@" + m[1], true);
  if (/^!subteam\^[A-Z0-9]+$/.test(target)) return mentionHtml(label || "@team", false);
  if (/^!date\^/.test(target)) return escapeHtml(label || target);
  const url = safeUrl(unescapeEntities(target));
  if (url) return linkHtml(url, escapeHtml(label || url));
  return null;
}

// *bold* _italic_ ~strike~ on one escaped line: markers must hug words, as in Slack.
function formatMrkdwnLine(html) {
  return emojify(
    html
      .replace(/(^|[^\w*])\*(?=\S)([^*]*?\S)\*(?![\w*])/g, "$1<b>$2</b>")
      .replace(/(^|[^\w_])_(?=\S)([^_]*?\S)_(?![\w_])/g, "$1<i>$2</i>")
      .replace(/(^|[^\w~])~(?=\S)([^~]*?\S)~(?![\w~])/g, "$1<s>$2</s>")
  );
}

/** Slack mrkdwn (message text, section and context text) to HTML. */
function renderMrkdwn(text, ctx) {
  const { hold, restore } = stasher();
  let s = clean(text);
  s = s.replace(/```\n?([\s\S]*?)```\n?/g, (_, code) =>
    hold(`<pre>${escapeHtml(unescapeEntities(code))}</pre>`)
  );
  s = s.replace(/`([^`\n]+)`/g, (_, code) => hold(`<code>${escapeHtml(unescapeEntities(code))}</code>`));
  s = s.replace(/<([^<>\n]+)>/g, (whole, inner) => {
    const html = renderControl(inner, ctx);
    return html === null ? whole : hold(html); // not a control: stays literal text
  });
  const lines = escapeHtml(unescapeEntities(s)).split("\n");
  let html = "";
  lines.forEach((line, i) => {
    const quote = /^&gt; ?/.exec(line);
    if (quote) {
      html += `<span class="quote">${formatMrkdwnLine(line.slice(quote[0].length))}</span>`;
    } else {
      html += formatMrkdwnLine(line) + (i < lines.length - 1 ? "<br>" : "");
    }
  });
  return restore(html);
}

// Inline Markdown: `code`, [label](url), <url>, bare URLs, **bold**, *italic*, ~~strike~~.
function inlineMarkdown(text, ctx) {
  const { hold, restore } = stasher();
  let s = clean(text);
  s = s.replace(/`([^`]+)`/g, (_, code) => hold(`<code>${escapeHtml(unescapeEntities(code))}</code>`));
  s = s.replace(/\[([^\]]*)\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g, (whole, label, url) => {
    const safe = safeUrl(url);
    return safe ? hold(linkHtml(safe, inlineMarkdown(label, ctx))) : whole;
  });
  s = s.replace(/<([^<>\n]+)>/g, (whole, inner) => {
    const html = renderControl(inner, ctx);
    return html === null ? whole : hold(html);
  });
  s = s.replace(/\bhttps?:\/\/[^\s<>()\u0000]*[^\s<>().,;:!?'"\u0000]/g, (url) =>
    hold(linkHtml(url, escapeHtml(url)))
  );
  s = escapeHtml(unescapeEntities(s))
    .replace(/(\*\*|__)(?=\S)(.*?\S)\1/g, "<strong>$2</strong>")
    .replace(/(^|[^\w*])\*(?=\S)([^*]*?\S)\*(?![\w*])/g, "$1<em>$2</em>")
    .replace(/(^|[^\w_])_(?=\S)([^_]*?\S)_(?![\w_])/g, "$1<em>$2</em>")
    .replace(/~~(?=\S)(.*?\S)~~/g, "<del>$1</del>");
  return restore(emojify(s));
}

/** Standard Markdown (the `markdown` block): headings, lists, quotes, code, paragraphs. */
function renderMarkdown(text, ctx) {
  const lines = clean(text).replace(/\r\n?/g, "\n").split("\n");
  const out = [];
  let para = [];
  let list = null; // {tag, start, items: [{depth, text}]}
  let quote = [];
  const flushPara = () => {
    if (para.length) out.push(`<p>${para.map((l) => inlineMarkdown(l.trim(), ctx)).join("<br>")}</p>`);
    para = [];
  };
  const flushList = () => {
    if (!list) return;
    const start = list.tag === "ol" && list.start !== 1 ? ` start="${list.start}"` : "";
    const items = list.items.map(
      (item) => `<li class="depth-${item.depth}">${inlineMarkdown(item.text, ctx)}</li>`
    );
    out.push(`<${list.tag}${start}>${items.join("")}</${list.tag}>`);
    list = null;
  };
  const flushQuote = () => {
    if (quote.length) out.push(`<blockquote>${renderMarkdown(quote.join("\n"), ctx)}</blockquote>`);
    quote = [];
  };
  const flushAll = () => {
    flushPara();
    flushList();
    flushQuote();
  };
  const addItem = (tag, indent, itemText, number) => {
    flushPara();
    flushQuote();
    if (!list || list.tag !== tag) {
      flushList();
      list = { tag, start: number || 1, items: [] };
    }
    list.items.push({ depth: Math.min(3, Math.floor(indent / 2)), text: itemText });
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    let m = /^\s*(```|~~~)/.exec(line);
    if (m) {
      flushAll();
      const code = [];
      for (i++; i < lines.length && !lines[i].trim().startsWith(m[1]); i++) code.push(lines[i]);
      out.push(`<pre>${escapeHtml(code.join("\n"))}</pre>`);
      continue;
    }
    if (!line.trim()) {
      flushAll();
      continue;
    }
    if ((m = /^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$/.exec(line))) {
      flushAll();
      const level = m[1].length;
      out.push(`<h${level}>${inlineMarkdown(m[2], ctx)}</h${level}>`);
    } else if (/^\s{0,3}([-*_])(\s*\1){2,}\s*$/.test(line)) {
      flushAll();
      out.push("<hr>");
    } else if ((m = /^(\s*)[-*+•]\s+(.*)$/.exec(line))) {
      addItem("ul", m[1].length, m[2]);
    } else if ((m = /^(\s*)(\d{1,9})[.)]\s+(.*)$/.exec(line))) {
      addItem("ol", m[1].length, m[3], Number(m[2]));
    } else if ((m = /^\s*>\s?(.*)$/.exec(line))) {
      flushPara();
      flushList();
      quote.push(m[1]);
    } else if (list && /^\s+\S/.test(line)) {
      list.items[list.items.length - 1].text += " " + line.trim(); // a wrapped list item
    } else {
      flushList();
      flushQuote();
      para.push(line);
    }
  }
  flushAll();
  return out.join("");
}

// plain_text objects: no formatting, but :emoji: when the object allows it (the default).
function renderPlain(text, emoji) {
  const html = escapeHtml(text).replace(/\n/g, "<br>");
  return emoji === false ? html : emojify(html);
}

function textOf(obj) {
  if (obj == null) return "";
  return typeof obj === "string" ? obj : String(obj.text == null ? "" : obj.text);
}

// Option labels sit in <option>, which holds text only: bare emoji characters, no spans.
function plainLabel(obj) {
  return escapeHtml(textOf(obj)).replace(/:([a-z0-9_+'-]+):/g, (w, n) => emojiChar(n) || w);
}

function renderText(obj, ctx) {
  if (obj == null) return "";
  if (typeof obj === "string") return renderMrkdwn(obj, ctx);
  return obj.type === "mrkdwn" ? renderMrkdwn(obj.text, ctx) : renderPlain(obj.text, obj.emoji);
}

function renderButton(el, blockId) {
  const style = el.style === "primary" || el.style === "danger" ? " " + el.style : "";
  const url = el.url ? safeUrl(el.url) : null;
  return (
    `<button type="button" class="block-button${style}"` +
    ` data-action-id="${escapeHtml(el.action_id || "")}" data-block-id="${escapeHtml(blockId)}"` +
    (el.value != null ? ` data-value="${escapeHtml(el.value)}"` : "") +
    (url ? ` data-url="${escapeHtml(url)}"` : "") +
    `>${renderPlain(textOf(el.text), el.text && el.text.emoji)}</button>`
  );
}

function renderImage(el, cls) {
  const url = safeUrl(el.image_url || "");
  const alt = escapeHtml(el.alt_text || "");
  return url ? `<img class="${cls}" src="${escapeHtml(url)}" alt="${alt}" title="${alt}">` : "";
}

// A person picker (users_select): choosing someone sends the block action, as in Slack.
function renderUsersSelect(el, blockId) {
  const chosen = el.initial_user || "";
  const placeholder = escapeHtml(textOf(el.placeholder) || "Pick a person…");
  const options = people().map(
    (u) =>
      `<option value="${escapeHtml(u.id)}"${u.id === chosen ? " selected" : ""}>` +
      `${escapeHtml(u.real_name)} (@${escapeHtml(u.name)})</option>`
  );
  return (
    `<select class="block-users-select" data-action-id="${escapeHtml(el.action_id || "")}"` +
    ` data-block-id="${escapeHtml(blockId)}"><option value=""${chosen ? "" : " selected"}>` +
    `${placeholder}</option>${options.join("")}</select>`
  );
}

// An element in an actions block or a section accessory: buttons and person pickers work,
// others are named.
function renderElement(el, blockId) {
  if (!el || typeof el !== "object") return "";
  if (el.type === "button") return renderButton(el, blockId);
  if (el.type === "users_select") return renderUsersSelect(el, blockId);
  if (el.type === "image") return renderImage(el, "accessory-image");
  return `<span class="unsupported">[${escapeHtml(el.type)}]</span>`;
}

// Rich text (what Slack clients attach to typed messages): sections, lists, quotes, code.
function renderRichText(block, ctx) {
  const inline = (elements) =>
    (elements || [])
      .map((el) => {
        if (!el || typeof el !== "object") return "";
        const style = el.style || {};
        let html;
        if (el.type === "text") html = escapeHtml(el.text).replace(/\n/g, "<br>");
        else if (el.type === "user") html = renderControl("@" + el.user_id, ctx);
        else if (el.type === "channel") html = renderControl("#" + el.channel_id, ctx);
        else if (el.type === "broadcast") html = mentionHtml("@" + el.range, true);
        else if (el.type === "emoji") html = escapeHtml(emojiChar(el.name) || `:${el.name}:`);
        else if (el.type === "link") {
          const url = safeUrl(el.url || "");
          html = url ? linkHtml(url, escapeHtml(el.text || url)) : escapeHtml(el.text || el.url);
        } else html = "";
        if (html === null) html = "";
        if (style.code) html = `<code>${html}</code>`;
        if (style.bold) html = `<b>${html}</b>`;
        if (style.italic) html = `<i>${html}</i>`;
        if (style.strike) html = `<s>${html}</s>`;
        return html;
      })
      .join("");
  return (block.elements || [])
    .map((part) => {
      if (!part || typeof part !== "object") return "";
      if (part.type === "rich_text_list") {
        const tag = part.style === "ordered" ? "ol" : "ul";
        return `<${tag}>${(part.elements || []).map((s) => `<li>${inline(s.elements)}</li>`).join("")}</${tag}>`;
      }
      if (part.type === "rich_text_preformatted") return `<pre>${inline(part.elements)}</pre>`;
      if (part.type === "rich_text_quote") return `<blockquote>${inline(part.elements)}</blockquote>`;
      return `<div>${inline(part.elements)}</div>`;
    })
    .join("");
}

// {block_id: value} from a view's state.values: what was typed before a submission.
function valuesFromState(view) {
  const values = {};
  const state = (view && view.state && view.state.values) || {};
  for (const [blockId, actions] of Object.entries(state)) {
    for (const v of Object.values(actions || {})) {
      if (!v || typeof v !== "object") continue;
      if (v.type === "checkboxes") values[blockId] = (v.selected_options || []).map((o) => o.value);
      else if ("selected_option" in v) values[blockId] = v.selected_option ? v.selected_option.value : null;
      else if ("selected_time" in v) values[blockId] = v.selected_time;
      else if ("selected_date" in v) values[blockId] = v.selected_date;
      else values[blockId] = v.value;
    }
  }
  return values;
}

function initialValue(el) {
  if (el.type === "static_select" || el.type === "radio_buttons") {
    return el.initial_option ? el.initial_option.value : null;
  }
  if (el.type === "checkboxes") return (el.initial_options || []).map((o) => o.value);
  if (el.type === "timepicker") return el.initial_time || null;
  if (el.type === "datepicker") return el.initial_date || null;
  return el.initial_value || "";
}

// One input block of a modal: label, control (data-kind says how to read it), hint, error.
function renderInput(block, opts) {
  const el = block.element || {};
  const id = String(block.block_id || "");
  const values = opts.values || {};
  const value = Object.prototype.hasOwnProperty.call(values, id) ? values[id] : initialValue(el);
  const placeholder = el.placeholder ? ` placeholder="${escapeHtml(textOf(el.placeholder))}"` : "";
  const kind = ` data-kind="${escapeHtml(el.type)}"`;
  let control;
  if (el.type === "plain_text_input") {
    const max = el.max_length ? ` maxlength="${Number(el.max_length)}"` : "";
    control = el.multiline
      ? `<textarea class="input-control"${kind}${placeholder}${max} rows="4">${escapeHtml(value || "")}</textarea>`
      : `<input type="text" class="input-control"${kind}${placeholder}${max} value="${escapeHtml(value || "")}">`;
  } else if (el.type === "static_select") {
    const options = (el.options || []).map(
      (o) =>
        `<option value="${escapeHtml(o.value)}"${o.value === value ? " selected" : ""}>${plainLabel(o.text)}</option>`
    );
    const none = `<option value=""${value == null ? " selected" : ""}>${escapeHtml(textOf(el.placeholder) || "Choose…")}</option>`;
    control = `<select class="input-control"${kind}>${none}${options.join("")}</select>`;
  } else if (el.type === "timepicker" || el.type === "datepicker") {
    const type = el.type === "timepicker" ? "time" : "date";
    control = `<input type="${type}" class="input-control"${kind} value="${escapeHtml(value || "")}">`;
  } else if (el.type === "checkboxes" || el.type === "radio_buttons") {
    const type = el.type === "checkboxes" ? "checkbox" : "radio";
    const chosen = (o) => (type === "checkbox" ? (value || []).includes(o.value) : o.value === value);
    const options = (el.options || []).map(
      (o) =>
        `<label class="check"><input type="${type}" name="${escapeHtml(id)}" value="${escapeHtml(o.value)}"` +
        `${chosen(o) ? " checked" : ""}> ${renderText(o.text, opts.ctx)}</label>`
    );
    control = `<div class="input-control choices"${kind}>${options.join("")}</div>`;
  } else {
    control = `<div class="unsupported"${kind}>[${escapeHtml(el.type)} input]</div>`;
  }
  const optional = block.optional ? ` <span class="optional">(optional)</span>` : "";
  const hint = block.hint ? `<div class="hint">${renderPlain(textOf(block.hint))}</div>` : "";
  const error = (opts.errors || {})[id];
  const errorHtml = error
    ? `<div class="error" data-block-id="${escapeHtml(id)}">${renderPlain(error)}</div>`
    : "";
  return (
    `<div class="block input-block" data-block-id="${escapeHtml(id)}">` +
    `<label class="input-label">${renderPlain(textOf(block.label))}${optional}</label>` +
    `${control}${hint}${errorHtml}</div>`
  );
}

function renderBlock(block, opts) {
  if (!block || typeof block !== "object") return "";
  const ctx = opts.ctx;
  const blockId = String(block.block_id || "");
  switch (block.type) {
    case "section": {
      const text = block.text ? `<div class="section-text">${renderText(block.text, ctx)}</div>` : "";
      const fields = Array.isArray(block.fields)
        ? `<div class="section-fields">${block.fields.map((f) => `<div class="field">${renderText(f, ctx)}</div>`).join("")}</div>`
        : "";
      const accessory = block.accessory
        ? `<div class="accessory">${renderElement(block.accessory, blockId)}</div>`
        : "";
      return `<div class="block block-section"><div class="section-main">${text}${fields}</div>${accessory}</div>`;
    }
    case "header":
      return `<div class="block block-header">${renderPlain(textOf(block.text))}</div>`;
    case "context": {
      const items = (block.elements || []).map((el) =>
        el && el.type === "image" ? renderImage(el, "context-image") : `<span class="context-item">${renderText(el, ctx)}</span>`
      );
      return `<div class="block block-context">${items.join("")}</div>`;
    }
    case "divider":
      return `<hr class="block block-divider">`;
    case "actions":
      return `<div class="block block-actions">${(block.elements || []).map((el) => renderElement(el, blockId)).join("")}</div>`;
    case "markdown":
      return `<div class="block block-markdown">${renderMarkdown(block.text, ctx)}</div>`;
    case "rich_text":
      return `<div class="block block-rich-text">${renderRichText(block, ctx)}</div>`;
    case "image":
      return `<div class="block block-image">${block.title ? `<div class="image-title">${renderPlain(textOf(block.title))}</div>` : ""}${renderImage(block, "image")}</div>`;
    case "input":
      return renderInput(block, opts);
    default:
      return `<div class="block block-unknown">[${escapeHtml(block.type)} block]</div>`;
  }
}

/** Block Kit to HTML. opts: {ctx, values, errors} (values/errors for a modal's inputs). */
function renderBlocks(blocks, opts) {
  if (!Array.isArray(blocks)) return "";
  return blocks.map((b) => renderBlock(b, opts || {})).join("");
}

function escapeRegExp(text) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** What a Slack client sends for typed text: &, <, > escaped, @name turned into <@U…>. */
function encodeMessage(text, users) {
  const escaped = String(text).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  const names = [];
  for (const u of users || []) {
    for (const n of [u.real_name, u.name]) if (n) names.push([n, u.id]);
  }
  if (!names.length) return escaped;
  names.sort((a, b) => b[0].length - a[0].length); // "@Alice Adams" before "@Alice"
  const pattern = new RegExp(`(^|[^\\w@])@(${names.map(([n]) => escapeRegExp(n)).join("|")})(?!\\w)`, "gi");
  return escaped.replace(pattern, (whole, before, name) => {
    const hit = names.find(([n]) => n.toLowerCase() === name.toLowerCase());
    return `${before}<@${hit[1]}>`;
  });
}

// ts strings compare as numbers without losing microseconds to floating point.
function compareTs(a, b) {
  const [as, af = ""] = String(a).split(".");
  const [bs, bf = ""] = String(b).split(".");
  return Number(as) - Number(bs) || Number(af.padEnd(6, "0")) - Number(bf.padEnd(6, "0"));
}

if (typeof module !== "undefined" && module.exports) {
  module.exports = {
    BATON_REACTIONS,
    EMOJI,
    compareTs,
    encodeMessage,
    escapeHtml,
    renderBlocks,
    renderMarkdown,
    renderMrkdwn,
    renderRichText,
    valuesFromState,
  };
}

// ================================================================= the page

const POLL_MS = 400;
const S = {
  user: null, // whose client this is
  channel: null, // the open conversation
  threadTs: null, // the open thread, if any
  showHome: false,
  state: null,
  version: -1,
  timer: null,
  polling: false,
  pollAgain: false,
  rendered: {}, // pane -> key of what it shows, to skip identical re-renders
};

const $ = (id) => document.getElementById(id);

function context() {
  const users = {};
  for (const u of S.state.users) users[u.id] = u;
  const channels = {};
  for (const c of S.state.channels) channels[c.id] = c.name;
  return { users, channels, me: S.user };
}

function people() {
  return S.state ? S.state.users.filter((u) => !u.is_bot) : [];
}

function channelById(id) {
  return S.state ? S.state.channels.find((c) => c.id === id) || null : null;
}

function myDm() {
  return S.state ? S.state.channels.find((c) => c.is_im) || null : null;
}

function formatTime(ts) {
  const date = new Date(Number(String(ts).split(".")[0]) * 1000);
  return date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
}

function avatarClass(id) {
  let hash = 0;
  for (const ch of String(id)) hash = (hash * 31 + ch.charCodeAt(0)) % 997;
  return `avatar avatar-${hash % 8}`;
}

function isTopLevel(m) {
  return !m.thread_ts || m.thread_ts === m.ts || m.subtype === "thread_broadcast";
}

// ---------------------------------------------------------------- network

function toast(text) {
  const box = $("toast");
  box.textContent = text;
  box.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => (box.hidden = true), 4000);
}

async function api(path, body) {
  try {
    const res = await fetch(path, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
    const data = await res.json().catch(() => ({ ok: false, error: res.statusText }));
    if (!res.ok || !data.ok) {
      toast(data.error || `HTTP ${res.status}`);
      return null;
    }
    pollNow();
    return data;
  } catch (err) {
    toast(`The sandbox is not answering (${err.message}).`);
    return null;
  }
}

async function poll() {
  if (S.polling) {
    S.pollAgain = true; // an action happened mid-poll: look again right after
    return;
  }
  S.polling = true;
  clearTimeout(S.timer);
  const asked = S.user;
  try {
    const who = asked ? `user=${encodeURIComponent(asked)}&` : "";
    const res = await fetch(`/ui/state?${who}since=${S.version}`, { cache: "no-store" });
    const data = await res.json();
    if (!res.ok) throw new Error(data.error || res.statusText);
    if (asked !== S.user) {
      S.pollAgain = true; // the person was switched meanwhile: this answer is for someone else
      return;
    }
    if (data.channels) {
      S.state = data;
      S.user = data.user;
      render();
    }
    S.version = data.version;
    document.body.classList.remove("offline");
  } catch (err) {
    document.body.classList.add("offline");
  } finally {
    S.polling = false;
    S.timer = setTimeout(poll, S.pollAgain ? 0 : POLL_MS);
    S.pollAgain = false;
  }
}

function pollNow() {
  clearTimeout(S.timer);
  poll();
}

function rememberInUrl() {
  const params = new URLSearchParams();
  if (S.user) params.set("user", S.user);
  if (S.channel) params.set("channel", S.channel);
  history.replaceState(null, "", `?${params}`);
}

// ---------------------------------------------------------------- rendering

function render() {
  const visible = S.state.channels;
  if (!S.channel || !channelById(S.channel)) {
    // First load, or the new person cannot see the old channel: their first channel.
    const mine = visible.find((c) => !c.is_im && c.members.includes(S.user));
    S.channel = (mine || visible[0] || {}).id || null;
    S.threadTs = null;
  }
  renderSidebar();
  renderMain();
  renderThread();
  renderModal();
  rememberInUrl();
}

// Replace a pane's HTML only when what it shows changed (keeps selections and hovers).
function paneChanged(name, key) {
  if (S.rendered[name] === key) return false;
  S.rendered[name] = key;
  return true;
}

function renderSidebar() {
  const st = S.state;
  if (!paneChanged("sidebar", JSON.stringify([st.team, st.users, st.channels, S.user, S.channel, S.showHome]))) {
    return;
  }
  $("workspace-name").textContent = st.team.name;
  $("as-user").innerHTML = people()
    .map(
      (u) =>
        `<option value="${escapeHtml(u.id)}"${u.id === S.user ? " selected" : ""}>` +
        `${escapeHtml(u.real_name)} (@${escapeHtml(u.name)})</option>`
    )
    .join("");
  const link = (c, extra) => {
    const active = c.id === S.channel && !S.showHome ? " active" : "";
    const prefix = c.is_im ? "●" : c.is_private ? "🔒" : "#";
    return (
      `<a class="channel${active}${c.is_private ? " private" : ""}" ${extra}data-channel="${escapeHtml(c.id)}"` +
      ` href="?channel=${escapeHtml(c.id)}"><span class="prefix">${prefix}</span>${escapeHtml(c.name)}</a>`
    );
  };
  $("channel-list").innerHTML = st.channels.filter((c) => !c.is_im).map((c) => link(c, "")).join("");
  const dm = myDm();
  // a#dm-baton is always there: the DM itself once it exists, a way to open it before.
  $("dm-list").innerHTML = dm
    ? link(dm, 'id="dm-baton" ')
    : `<a id="dm-baton" class="sidebar-link" href="#">✉️ Message ${escapeHtml(st.bot.name)}</a>`;
  $("open-home").classList.toggle("active", S.showHome);
}

function reactionsHtml(m, ctx) {
  const chips = Object.entries(m.reactions || {}).map(([name, users]) => {
    const mine = users.includes(S.user) ? " mine" : "";
    const who = users.map((u) => userName(ctx, u) || u).join(", ");
    return (
      `<button type="button" class="reaction${mine}" data-name="${escapeHtml(name)}" title=":${escapeHtml(name)}: ${escapeHtml(who)}">` +
      `${escapeHtml(emojiChar(name.split("::")[0]) || `:${name}:`)} <span class="count">${users.length}</span></button>`
    );
  });
  const add = BATON_REACTIONS.map(
    (name) =>
      `<button type="button" class="add-reaction" data-name="${name}" title="React :${name}:">${EMOJI[name]}</button>`
  );
  return `<div class="reactions">${chips.join("")}</div><div class="add-reactions">${add.join("")}</div>`;
}

// The message's content: its blocks when it has any to show (as Slack does), else its text.
function contentHtml(item, ctx) {
  const blocks = (item.blocks || []).filter((b) => b && b.type !== "rich_text");
  if (blocks.length) return `<div class="blocks">${renderBlocks(item.blocks, { ctx })}</div>`;
  return `<div class="message-text">${renderMrkdwn(item.text, ctx)}</div>`;
}

function metaHtml(name, isBot, ts, extra) {
  return (
    `<div class="message-meta"><span class="author">${escapeHtml(name)}</span>` +
    (isBot ? `<span class="app-badge">APP</span>` : "") +
    `<span class="time" title="${escapeHtml(ts)}">${escapeHtml(formatTime(ts))}</span>${extra}</div>`
  );
}

function messageHtml(m, ctx, inThread) {
  const isBot = Boolean(m.bot_id);
  const extra =
    (m.edited ? `<span class="edited">(edited)</span>` : "") +
    (m.streaming ? `<span class="streaming-mark">writing…</span>` : "");
  const thread =
    inThread || !isTopLevel(m)
      ? ""
      : `<a class="open-thread" href="#" data-ts="${escapeHtml(m.ts)}">${
          m.reply_count ? `${m.reply_count} ${m.reply_count === 1 ? "reply" : "replies"}` : "Reply in thread"
        }</a>`;
  return (
    `<div class="message${isBot ? " bot" : ""}" data-ts="${escapeHtml(m.ts)}" data-channel="${escapeHtml(S.channel)}">` +
    `<div class="${avatarClass(m.user)}">${escapeHtml((m.user_name || "?").slice(0, 1).toUpperCase())}</div>` +
    `<div class="message-body">${metaHtml(m.user_name, isBot, m.ts, extra)}${contentHtml(m, ctx)}` +
    `${reactionsHtml(m, ctx)}${thread}</div></div>`
  );
}

function ephemeralHtml(e, ctx) {
  const name = S.state.bot.name;
  return (
    `<div class="ephemeral" data-index="${e.index}" data-ts="${escapeHtml(e.ts)}" data-channel="${escapeHtml(e.channel)}">` +
    `<div class="avatar avatar-bot">${escapeHtml(name.slice(0, 1))}</div>` +
    `<div class="message-body">${metaHtml(name, true, e.ts, `<span class="only-you">Only visible to you</span>`)}` +
    `${contentHtml(e, ctx)}</div></div>`
  );
}

function timeline(messages, ephemerals, ctx, inThread) {
  const items = messages.map((m) => ({ ts: m.ts, html: () => messageHtml(m, ctx, inThread) }));
  for (const e of ephemerals) items.push({ ts: e.ts, html: () => ephemeralHtml(e, ctx) });
  items.sort((a, b) => compareTs(a.ts, b.ts));
  return items.map((item) => item.html()).join("");
}

// Swap a scrolling pane's content, staying at the bottom if the reader was there.
function replaceKeepingScroll(el, html, toBottom) {
  const atBottom = el.scrollHeight - el.scrollTop - el.clientHeight < 60;
  const top = el.scrollTop;
  el.innerHTML = html;
  el.scrollTop = toBottom || atBottom ? el.scrollHeight : top;
}

function renderMain() {
  const channel = channelById(S.channel);
  $("messages").hidden = S.showHome;
  $("composer-box").hidden = S.showHome;
  $("home").hidden = !S.showHome;
  if (S.showHome) {
    $("channel-title").textContent = `${S.state.bot.name} · Home`;
    $("channel-meta").textContent = "";
    renderHome();
    return;
  }
  if (!channel) {
    $("channel-title").textContent = "No conversations yet";
    $("messages").innerHTML = "";
    return;
  }
  $("channel-title").textContent = channel.is_im ? channel.name : `${channel.is_private ? "🔒 " : "# "}${channel.name}`;
  $("channel-meta").textContent = channel.is_im ? "Direct message" : `${channel.members.length} members`;
  $("composer").placeholder = `Message ${channel.is_im ? channel.name : "#" + channel.name}`;
  const messages = (S.state.messages[channel.id] || []).filter(isTopLevel);
  const ephemerals = S.state.ephemerals.filter((e) => e.channel === channel.id && !inKnownThread(e));
  const key = JSON.stringify([S.user, channel.id, messages, ephemerals, S.state.users]);
  const switched = S.rendered.mainChannel !== `${S.user}/${channel.id}`;
  if (!paneChanged("main", key)) return;
  S.rendered.mainChannel = `${S.user}/${channel.id}`;
  const html = timeline(messages, ephemerals, context(), false);
  replaceKeepingScroll(
    $("messages"),
    html || `<div class="empty">This is the very beginning of ${escapeHtml(channel.name)}.</div>`,
    switched
  );
}

// An ephemeral posted into a thread shows in that thread's pane, not the channel.
function inKnownThread(e) {
  if (!e.thread_ts) return false;
  return (S.state.messages[e.channel] || []).some((m) => m.ts === e.thread_ts);
}

function renderThread() {
  const pane = $("thread");
  const all = S.state.messages[S.channel] || [];
  const parent = S.threadTs && all.find((m) => m.ts === S.threadTs);
  if (!parent || S.showHome) {
    pane.hidden = true;
    S.rendered.thread = null;
    return;
  }
  pane.hidden = false;
  const replies = all.filter((m) => m.thread_ts === S.threadTs && m.ts !== S.threadTs);
  const ephemerals = S.state.ephemerals.filter((e) => e.channel === S.channel && e.thread_ts === S.threadTs);
  const key = JSON.stringify([S.user, S.channel, parent, replies, ephemerals]);
  const opened = S.rendered.threadTs !== S.threadTs;
  if (!paneChanged("thread", key)) return;
  S.rendered.threadTs = S.threadTs;
  const ctx = context();
  const head = messageHtml(parent, ctx, true);
  const count = replies.length
    ? `<div class="thread-count">${replies.length} ${replies.length === 1 ? "reply" : "replies"}</div>`
    : "";
  replaceKeepingScroll($("thread-messages"), head + count + timeline(replies, ephemerals, ctx, true), opened);
}

function renderHome() {
  const home = S.state.home;
  const key = JSON.stringify([S.user, home && home.id, home && home.hash]);
  if (!paneChanged("home", key)) return;
  const pane = $("home");
  if (!home) {
    delete pane.dataset.viewId;
    pane.innerHTML = `<div class="empty">Opening ${escapeHtml(S.state.bot.name)}'s Home tab…</div>`;
    return;
  }
  pane.dataset.viewId = home.id;
  pane.innerHTML = `<div class="home-card">${renderBlocks(home.blocks, { ctx: context() })}</div>`;
}

// Read a modal's inputs back as {block_id: value}, the shape POST /ui/submit takes.
function collectValues(container) {
  const values = {};
  for (const block of container.querySelectorAll(".input-block[data-block-id]")) {
    const control = block.querySelector("[data-kind]");
    if (!control) continue;
    const kind = control.dataset.kind;
    if (kind === "checkboxes") {
      values[block.dataset.blockId] = [...control.querySelectorAll("input:checked")].map((i) => i.value);
    } else if (kind === "radio_buttons") {
      const checked = control.querySelector("input:checked");
      values[block.dataset.blockId] = checked ? checked.value : null;
    } else if ("value" in control) {
      values[block.dataset.blockId] = control.value === "" && kind !== "plain_text_input" ? null : control.value;
    }
  }
  return values;
}

function renderModal() {
  const view = S.state.view;
  const overlay = $("modal");
  if (!view) {
    overlay.hidden = true;
    S.rendered.modal = null;
    return;
  }
  const key = JSON.stringify([S.user, view.id, view.hash, view.errors, view.problem]);
  if (!paneChanged("modal", key)) return;
  const card = overlay.querySelector(".modal-card");
  // Same view re-rendered (errors came back, the app updated it): keep what was typed.
  const typed = card.dataset.viewId === view.id && !overlay.hidden ? collectValues($("modal-body")) : {};
  card.dataset.viewId = view.id;
  $("modal-title").textContent = textOf(view.title) || "Modal";
  $("modal-body").innerHTML = renderBlocks(view.blocks, {
    ctx: context(),
    values: Object.assign(valuesFromState(view), typed),
    errors: view.errors || {},
  });
  $("modal-submit").hidden = !view.submit;
  $("modal-submit").textContent = textOf(view.submit) || "Submit";
  $("modal-close").textContent = textOf(view.close) || "Cancel";
  $("modal-problem").hidden = !view.problem;
  $("modal-problem").textContent = view.problem || "";
  overlay.hidden = false;
}

// ---------------------------------------------------------------- actions

function selectChannel(id) {
  S.channel = id;
  S.threadTs = null;
  S.showHome = false;
  if (S.state) render();
}

async function openDm() {
  const existing = myDm();
  if (existing) return existing.id;
  const answer = await api("/ui/open-dm", { user: S.user });
  return answer ? answer.channel : null;
}

async function sendFrom(textarea, threadTs) {
  const raw = textarea.value;
  if (!raw.trim() || !S.channel) return;
  // A command goes as typed; a message the way Slack clients encode it.
  const text = raw.trim().startsWith("/") ? raw.trim() : encodeMessage(raw, S.state.users);
  const body = { user: S.user, channel: S.channel, text };
  if (threadTs) body.thread_ts = threadTs;
  const answer = await api("/ui/message", body);
  if (answer) {
    textarea.value = "";
    autosize(textarea);
  }
}

function react(button, add) {
  const msg = button.closest(".message");
  api("/ui/reaction", { user: S.user, channel: msg.dataset.channel, ts: msg.dataset.ts, name: button.dataset.name, add });
}

function clickBlockButton(button) {
  const body = { user: S.user, action_id: button.dataset.actionId };
  if (button.dataset.blockId) body.block_id = button.dataset.blockId;
  const view = button.closest("[data-view-id]");
  const ephemeral = button.closest(".ephemeral");
  const message = button.closest(".message");
  if (view) body.view_id = view.dataset.viewId;
  else if (ephemeral) body.ephemeral_index = Number(ephemeral.dataset.index);
  else if (message) Object.assign(body, { channel: message.dataset.channel, message_ts: message.dataset.ts });
  if (button.dataset.url) window.open(button.dataset.url, "_blank", "noopener");
  button.classList.add("pressed");
  setTimeout(() => button.classList.remove("pressed"), 600);
  api("/ui/click", body);
}

function pickUser(select) {
  const message = select.closest(".message");
  if (!select.value || !message) return;
  api("/ui/select", {
    user: S.user,
    action_id: select.dataset.actionId,
    block_id: select.dataset.blockId,
    channel: message.dataset.channel,
    message_ts: message.dataset.ts,
    selected: select.value,
  });
}

async function submitModal() {
  const view = S.state && S.state.view;
  if (!view) return;
  const button = $("modal-submit");
  button.disabled = true; // one submission at a time
  await api("/ui/submit", { user: S.user, view_id: view.id, values: collectValues($("modal-body")) });
  button.disabled = false;
}

function closeModal(all) {
  const view = S.state && S.state.view;
  if (!view) return;
  // Cancel closes this view (back to the one below); × closes the whole stack.
  const target = all && view.root_view_id ? view.root_view_id : view.id;
  api("/ui/close", { user: S.user, view_id: target });
}

async function digestNow() {
  const dm = await openDm();
  if (!dm) return;
  selectChannel(dm);
  await api("/ui/message", { user: S.user, channel: dm, text: "/baton digest" });
}

// Links to this workspace's messages (Home, digests) open here instead of on slack.com.
function openPermalink(href) {
  const m = /\/archives\/([A-Z0-9]+)\/p(\d{10})(\d{6})(?:\?thread_ts=([\d.]+))?/.exec(href);
  if (!m || !S.state || !channelById(m[1])) return false;
  selectChannel(m[1]);
  S.threadTs = m[4] || `${m[2]}.${m[3]}`;
  render();
  return true;
}

function onClick(ev) {
  const el = ev.target.closest("a, button");
  if (!el || el.disabled) return;
  const handled = () => ev.preventDefault();
  if (el.id === "dm-baton" && !el.dataset.channel) {
    handled();
    openDm().then((id) => id && selectChannel(id));
  } else if (el.matches("a.channel")) {
    handled();
    selectChannel(el.dataset.channel);
  } else if (el.id === "open-home") {
    handled();
    S.showHome = true;
    S.threadTs = null;
    render();
    api("/ui/home", { user: S.user });
  } else if (el.id === "digest-now") {
    digestNow();
  } else if (el.matches("button.reaction, button.add-reaction")) {
    // Picking an emoji you already reacted with takes it back, as in Slack.
    const msg = el.closest(".message");
    const mine = msg.querySelector(`button.reaction.mine[data-name="${CSS.escape(el.dataset.name)}"]`);
    react(el, !mine);
  } else if (el.matches("a.open-thread")) {
    handled();
    S.threadTs = el.dataset.ts;
    render();
    $("thread-composer").focus();
  } else if (el.matches("button.block-button")) {
    clickBlockButton(el);
  } else if (el.id === "send") {
    sendFrom($("composer"), null);
  } else if (el.id === "thread-send") {
    sendFrom($("thread-composer"), S.threadTs);
  } else if (el.id === "thread-close") {
    S.threadTs = null;
    render();
  } else if (el.id === "modal-submit") {
    submitModal();
  } else if (el.id === "modal-close" || el.id === "modal-x") {
    closeModal(el.id === "modal-x");
  } else if (el.tagName === "A" && openPermalink(el.getAttribute("href") || "")) {
    handled();
  }
}

function autosize(textarea) {
  textarea.style.height = "auto";
  textarea.style.height = `${Math.min(textarea.scrollHeight, 200)}px`;
}

function bindComposer(textarea, send) {
  textarea.addEventListener("keydown", (ev) => {
    // Enter sends, Shift+Enter is a new line; never mid-composition (IME input).
    if (ev.key === "Enter" && !ev.shiftKey && !ev.isComposing) {
      ev.preventDefault();
      send();
    }
  });
  textarea.addEventListener("input", () => autosize(textarea));
}

function start() {
  const params = new URLSearchParams(location.search);
  S.user = params.get("user");
  S.channel = params.get("channel");
  document.addEventListener("click", onClick);
  document.addEventListener("change", (ev) => {
    if (ev.target.matches && ev.target.matches("select.block-users-select")) pickUser(ev.target);
  });
  document.addEventListener("keydown", (ev) => {
    if (ev.key === "Escape" && !$("modal").hidden) closeModal(false);
  });
  $("as-user").addEventListener("change", (ev) => {
    S.user = ev.target.value;
    S.version = -1; // another person sees another workspace: fetch it whole
    S.threadTs = null;
    S.showHome = false;
    S.rendered = {};
    pollNow();
  });
  bindComposer($("composer"), () => sendFrom($("composer"), null));
  bindComposer($("thread-composer"), () => sendFrom($("thread-composer"), S.threadTs));
  poll();
}

if (typeof document !== "undefined") {
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
}
