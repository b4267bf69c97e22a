([wanted, messages]) => {
  /* helpers */
  // One comparison for "a dialog says this": the expected text was recorded from a dialog's innerText
  // (block elements become line breaks, then one space), while Playwright's has_text reads
  // textContent (no break at all between an <h2> and a <label>), so the same dialog read two ways
  // differed. Both sides are compared after the same folding: Unicode NFKC (NBSP, full-width and
  // compatibility forms), zero-width characters dropped, whitespace collapsed, case folded; and once
  // more with all whitespace removed, which bridges innerText and textContent.
  const fold = (s) => (s || '').normalize('NFKC').replace(/[\u200b-\u200d\u2060\ufeff\u00ad]/g, '')
    .replace(/\s+/g, ' ').trim().toLocaleLowerCase();
  const bare = (s) => s.replace(/ /g, '');
  const want = fold(wanted);
  const says = (text) => {
    const have = fold(text);
    return have.includes(want) || bare(have).includes(bare(want));
  };
  if ((messages || []).some(says)) return true;
  for (const el of document.querySelectorAll('dialog[open], [role=dialog], [role=alertdialog], [aria-modal=true]')) {
    if (!visible(el)) continue;
    if (!want || says(el.innerText) || says(el.textContent)) return true;
  }
  return false;
}
