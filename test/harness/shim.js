// window.api for the web harness: the same contract the Electron preload exposes,
// carried over loopback HTTP (calls) and server-sent events (push events). Both carry the
// harness's HttpOnly cookie naming this browser's client, so main knows who calls.
(() => {
  const listeners = new Map();
  let source;
  function connect() {
    if (source) return;
    source = new EventSource('/api/events');
    source.onmessage = (message) => {
      const { event, payload } = JSON.parse(message.data);
      for (const listener of listeners.get(event) ?? []) listener(payload);
    };
  }
  const api = {
    async call(method, input) {
      const body = JSON.stringify({ method, input });
      const response = await fetch('/api/call', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        credentials: 'same-origin',
        body,
        // A call made as the page goes away (the composer keeping unsent text) still arrives, as it
        // does over Electron's IPC; browsers allow this for small bodies only.
        keepalive: body.length < 32_000,
      });
      return response.json();
    },
    on(event, listener) {
      connect();
      const set = listeners.get(event) ?? new Set();
      listeners.set(event, set);
      set.add(listener);
      return () => set.delete(listener);
    },
  };
  Object.defineProperty(window, 'api', { value: Object.freeze(api), writable: false });
})();
