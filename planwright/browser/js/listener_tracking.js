(() => {
  if (window.__GLOBAL__) return;
  const tracked = new Set(__EVENTS__);
  const store = new WeakMap();  // element -> Map(event type -> Set(listener))
  Object.defineProperty(window, '__GLOBAL__', { value: store, enumerable: false });
  const proto = EventTarget.prototype;
  const add = proto.addEventListener;
  const remove = proto.removeEventListener;
  proto.addEventListener = function (type, listener, options) {
    try {
      if (listener && tracked.has(type) && this instanceof Element) {
        let byType = store.get(this);
        if (!byType) { byType = new Map(); store.set(this, byType); }
        if (!byType.has(type)) byType.set(type, new Set());
        byType.get(type).add(listener);
      }
    } catch (e) { /* never break the page */ }
    return add.call(this, type, listener, options);
  };
  proto.removeEventListener = function (type, listener, options) {
    try {
      const byType = this instanceof Element ? store.get(this) : null;
      if (byType && byType.has(type)) byType.get(type).delete(listener);
    } catch (e) { /* never break the page */ }
    return remove.call(this, type, listener, options);
  };
})();
