// DOM helpers. Every text that comes from the server (ISP names, labels, error texts) goes into
// the page as a text node or textContent, never as HTML.

/** The element with this id. */
export const byId = (id) => document.getElementById(id);

/**
 * A new element: el('button', {type: 'button', className: 'x', onclick: f, 'aria-label': 'y'}, 'text').
 * Keys with a dash (aria-*, data-*) are attributes, keys starting with "on" are listeners, the
 * rest are properties. Children are nodes or strings (as text); null and undefined are skipped.
 */
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null) {
      continue;
    }
    if (key.includes('-')) {
      node.setAttribute(key, String(value));
    } else if (key.startsWith('on') && typeof value === 'function') {
      node.addEventListener(key.slice(2), value);
    } else {
      node[key] = value;
    }
  }
  append(node, children);
  return node;
}

function append(node, children) {
  for (const child of children) {
    if (child === undefined || child === null) {
      continue;
    }
    if (Array.isArray(child)) {
      append(node, child);
    } else {
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
  }
}

/** Sets a node's text only when it changed (so screen readers and selections are not disturbed). */
export function setText(node, text) {
  if (node.textContent !== text) {
    node.textContent = text;
  }
}

/** Shows `text` in `node` (hiding it when text is empty). */
export function showNote(node, text) {
  setText(node, text || '');
  node.hidden = !text;
}
