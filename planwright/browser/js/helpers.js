  // Shared by the scripts that run in the page, in place of their `/* helpers */` line.
  // Text with whitespace collapsed:
  const norm = (s) => (s || '').replace(/\s+/g, ' ').trim();
  // "A person could see it": connected, not visibility-hidden, with an area.
  const visible = (el) => {
    if (!el.isConnected) return false;
    const st = getComputedStyle(el);
    if (st.visibility === 'hidden' || st.visibility === 'collapse') return false;
    const r = el.getBoundingClientRect();
    return r.width > 0 && r.height > 0;
  };
  // The visible lines of the elements `selector` finds, and of the messages a field marked
  // aria-invalid points at (aria-errormessage, aria-describedby): what the page says went wrong.
  const messageLines = (selector) => {
    const lines = [];
    for (const el of document.querySelectorAll(selector)) {
      if (visible(el)) lines.push(...el.innerText.split('\n'));
    }
    for (const el of document.querySelectorAll('[aria-invalid=true]')) {
      const ids = ((el.getAttribute('aria-errormessage') || '') + ' ' + (el.getAttribute('aria-describedby') || ''))
        .split(/\s+/).filter(Boolean);
      for (const id of ids) {
        const described = document.getElementById(id);
        if (described && visible(described)) lines.push(...described.innerText.split('\n'));
      }
    }
    return lines.map(norm).filter(Boolean);
  };
