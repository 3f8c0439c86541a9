/**
 * The server's Content-Security-Policy allows inline `<style>` elements only with the page's
 * nonce, which it puts into `<meta name="csp-nonce">`. Radix's scroll lock (react-remove-scroll,
 * through react-style-singleton) adds such an element while a dialog or menu is open and takes
 * the nonce from the `__webpack_nonce__` global, so it is set from the meta before anything
 * renders. Without the meta (the Vite dev server sends no policy) nothing is set.
 */
declare global {
  var __webpack_nonce__: string | undefined;
}

export function adoptStyleNonce(): void {
  const nonce = document.querySelector<HTMLMetaElement>('meta[name="csp-nonce"]')?.content;
  if (nonce) globalThis.__webpack_nonce__ = nonce;
}
