// www/examples/docs-theme.js — the example docs site's theme button: flips
// html[data-theme] as Docusaurus does. The embeds (theme="auto") follow.
const btn = document.getElementById('theme-toggle');
btn?.addEventListener('click', () => {
  const html = document.documentElement;
  html.dataset.theme = html.dataset.theme === 'dark' ? 'light' : 'dark';
  btn.setAttribute('aria-label', html.dataset.theme === 'dark' ? 'Light theme' : 'Dark theme');
});
