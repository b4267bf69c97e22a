() => {
  /* helpers */
  const found = [];
  for (const el of document.querySelectorAll('dialog[open], [role=dialog], [role=alertdialog], [aria-modal=true]')) {
    if (!visible(el)) continue;
    let heading = norm(el.getAttribute('aria-label'));
    const labelledBy = (el.getAttribute('aria-labelledby') || '').split(/\s+/).filter(Boolean)
      .map((id) => document.getElementById(id)).filter(Boolean);
    if (!heading && labelledBy.length) heading = norm(labelledBy.map((e) => e.innerText).join(' '));
    if (!heading) { const h = el.querySelector('h1, h2, h3, h4, h5, h6'); heading = h ? norm(h.innerText) : ''; }
    found.push({ heading, text: norm(el.innerText) });
  }
  return found;
}
