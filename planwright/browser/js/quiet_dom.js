([quietMs, maxMs]) => new Promise((resolve) => {
  const start = performance.now();
  let timer = null;
  const observer = new MutationObserver(() => {
    clearTimeout(timer);
    timer = setTimeout(finish, performance.now() - start > maxMs ? 0 : quietMs);
  });
  function finish() { observer.disconnect(); resolve(true); }
  observer.observe(document.documentElement, { subtree: true, childList: true, characterData: true, attributes: true });
  timer = setTimeout(finish, quietMs);
})
