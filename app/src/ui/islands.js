// Loads the WebAssembly when the browser is idle and hydrates each island of the page, in
// document order, an island's children after the island. Adapted from Leptos' island_script.js
// (MIT); the difference: once every island is interactive, `<body data-hydrated="true">` says
// so (end-to-end tests wait for it rather than guess).
((pkg, jsName, wasmName) => {
  const childCallbacks = [];
  async function hydrateIsland(el, mod) {
    const hydrate = mod[el.dataset.component];
    if (!hydrate) {
      console.warn(`No WebAssembly function for the island ${el.dataset.component}.`);
      return;
    }
    const children = childCallbacks[childCallbacks.length - 1];
    if (children) children();
    const done = hydrate(el);
    if (done && done.then) await done;
  }
  async function traverse(node, mod) {
    if (node.nodeType !== Node.ELEMENT_NODE) return;
    const tag = node.tagName.toLowerCase();
    if (tag === 'leptos-island') await hydrateIsland(node, mod);
    if (tag === 'leptos-children') childCallbacks.push(node.$$on_hydrate);
    for (const child of node.children) await traverse(child, mod);
    if (tag === 'leptos-children') childCallbacks.pop();
  }
  const start = async () => {
    const mod = await import(`/${pkg}/${jsName}.js`);
    await mod.default({ module_or_path: `/${pkg}/${wasmName}.wasm` });
    mod.hydrate();
    await traverse(document.body, mod);
    document.body.setAttribute('data-hydrated', 'true');
  };
  if ('requestIdleCallback' in window) window.requestIdleCallback(start);
  else start();
})
