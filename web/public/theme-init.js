// Applies the saved or preferred colour theme before the first paint.
(function () {
  try {
    var stored = localStorage.getItem("livestream.theme");
    var dark = stored ? stored === "dark" : window.matchMedia("(prefers-color-scheme: dark)").matches;
    document.documentElement.classList.toggle("dark", dark);
  } catch (e) {
    /* storage unavailable: keep the default */
  }
})();
