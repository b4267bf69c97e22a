(alertSelector) => {
  /* helpers */
  const SKIP = new Set(['SCRIPT', 'STYLE', 'NOSCRIPT', 'TEMPLATE', 'OPTION', 'SELECT', 'TEXTAREA', 'svg']);
  const texts = [];
  // Texts whose words a line break (<br>) alone separates: the page's text runs them together
  // ("Arcade$9/mo"), so a text check of what a person reads ("Arcade $9/mo") cannot find them.
  const joined = [];
  const squeeze = (text) => text.replace(/\s+/g, '');
  const walk = (el) => {
    if (SKIP.has(el.tagName)) return;
    if (getComputedStyle(el).display === 'none') return;
    let direct = false;
    for (const child of el.childNodes) {
      if (child.nodeType === Node.TEXT_NODE && child.textContent.trim()) { direct = true; break; }
    }
    if (direct && visible(el)) {
      const t = norm(el.innerText);
      if (t) {
        texts.push(t);
        const content = norm(el.textContent);
        if (content !== t && squeeze(content) === squeeze(t) && !content.includes(t)) joined.push(t);
      }
    }
    for (const child of el.children) walk(child);
  };
  if (document.body) walk(document.body);
  const count = (selector) => [...document.querySelectorAll(selector)].filter(visible).length;
  const h1 = [...document.querySelectorAll('h1')].find(visible);
  const headings = [...document.querySelectorAll('h1, h2, h3, h4, h5, h6, [role=heading]')].filter(visible)
    .map((h) => norm(h.innerText)).filter(Boolean);
  const controls = [];
  const controlSelector = 'a[href], [role=link], button, [role=button], input:not([type=hidden]), textarea, select, form';
  for (const el of document.querySelectorAll(controlSelector)) {
    if (!visible(el)) continue;
    const labels = el.labels ? [...el.labels].map((l) => l.innerText).join(' ') : '';
    controls.push([el.tagName, el.type || '', el.getAttribute('role') || '', norm(el.getAttribute('aria-label')),
      norm(labels), el.tagName === 'INPUT' || el.tagName === 'TEXTAREA' || el.tagName === 'SELECT' ? '' : norm(el.innerText),
      el.getAttribute('href') || '', el.disabled ? 'disabled' : ''].join('|'));
  }
  return {
    controls,
    url: location.href,
    texts,
    joined,
    h1: h1 ? norm(h1.innerText) : null,
    headings,
    counts: {
      listitem: count('li, [role=listitem]'),
      row: count('tbody tr, [role=row]'),
      checked: [...document.querySelectorAll('input[type=checkbox]:checked, [role=checkbox][aria-checked=true]')]
        .filter(visible).length,
    },
    alerts: [...new Set(messageLines(alertSelector))],
    expanded: count('[aria-expanded=true]'),
    invalid: (window.__planwrightInvalid || []).map(String),
    stored: (() => {  // what the page keeps in localStorage: a step that wrote there may persist
      try { return JSON.stringify(Object.keys(localStorage).sort().map((k) => [k, localStorage.getItem(k)])); }
      catch (e) { return ''; }
    })(),
  };
}
