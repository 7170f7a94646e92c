// The board refreshes itself: every [data-refresh] element reloads its rows from data-refresh-url.
// Plain fetch, no library; if a refresh fails the page keeps what it shows and tries again later.
(function () {
  function refresh(element) {
    var url = element.getAttribute("data-refresh-url");
    fetch(url, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
      .then(function (response) {
        if (response.redirected) { window.location.reload(); return Promise.reject("logged out"); }  // session over
        return response.ok ? response.text() : Promise.reject(response.status);
      })
      .then(function (html) { element.innerHTML = html; element.setAttribute("data-refreshed", String(Date.now())); })
      .catch(function () {});
  }
  // A button with data-confirm asks first (closing or rejecting an incident cannot be undone).
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-confirm]");
    if (button && !window.confirm(button.getAttribute("data-confirm"))) { event.preventDefault(); }
  });
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-refresh]").forEach(function (element) {
      var seconds = parseInt(element.getAttribute("data-refresh"), 10) || 15;
      setInterval(function () { refresh(element); }, seconds * 1000);
    });
  });
})();
