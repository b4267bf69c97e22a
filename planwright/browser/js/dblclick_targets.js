([keyAttribute, maxTargets, maxText]) => {
  /* helpers */
  const out = [];
  const seen = new Set();
  const add = (el, handler) => {
    if (out.length >= maxTargets || seen.has(el) || el.hasAttribute(keyAttribute) || !visible(el)) return;
    seen.add(el);
    const text = norm(el.innerText);
    if (!text || text.length > maxText) return;
    const listLabel = el.tagName === 'LABEL' && !!el.closest('li, [role=listitem]');
    out.push({ tag: el.tagName.toLowerCase(), text, handler, listLabel });
  };
  if (document.body) {
    for (const el of document.body.querySelectorAll('*')) {
      if (el.ondblclick != null || el.hasAttribute('ondblclick')) add(el, true);
    }
  }
  for (const el of document.querySelectorAll('li label, [role=listitem] label')) add(el, false);
  return out;
}
