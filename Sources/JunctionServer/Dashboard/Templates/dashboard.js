// Junction dashboard: small conveniences only; every page reads and works without JavaScript.
// Times are rendered as UTC ISO 8601 by the server; this shows them in the reader's own time zone as well.
document.querySelectorAll("time").forEach((element) => {
  const text = element.textContent.trim();
  const date = new Date(text);
  if (text && !Number.isNaN(date.getTime())) {
    element.title = text;
    element.textContent = date.toLocaleString();
  }
});
// A form whose button says what it does asks once before an action that cannot be undone.
document.querySelectorAll("form[data-confirm]").forEach((form) => {
  form.addEventListener("submit", (event) => {
    if (!window.confirm(form.dataset.confirm)) event.preventDefault();
  });
});
