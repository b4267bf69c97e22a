(saved) => {
  try {
    localStorage.clear();
    sessionStorage.clear();
    for (const item of saved) localStorage.setItem(item.name, item.value);
  } catch (e) { /* opaque origins (about:blank, data:) have no storage */ }
}
