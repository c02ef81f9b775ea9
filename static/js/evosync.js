// EvoSync's page scripts, in one file: the Content-Security-Policy allows no inline script or handler.
// Each part starts only on the page that has its element; data-* attributes carry what the template knows.
(function () {
  "use strict";

  // The menu folds behind «Меню» on a phone (CSS: .js-menu); without this script it simply wraps.
  var menuButton = document.querySelector(".menu-toggle");
  var menu = menuButton && document.getElementById(menuButton.getAttribute("aria-controls"));
  if (menu) {
    document.documentElement.classList.add("js-menu");
    menuButton.addEventListener("click", function () {
      var open = menuButton.getAttribute("aria-expanded") !== "true";
      menuButton.setAttribute("aria-expanded", String(open));
      menu.classList.toggle("open", open);
    });
  }

  // <table data-cards>: each cell learns its column's title (data-label), and the table becomes one card per
  // row on a phone (CSS: table.cards). Without this script the table scrolls inside its .table-wrap box.
  document.querySelectorAll("table[data-cards]").forEach(function (table) {
    var titles = Array.prototype.map.call(table.querySelectorAll("thead th"), function (th) {
      return th.textContent.trim();
    });
    table.querySelectorAll("tbody tr").forEach(function (row) {
      var column = 0;
      Array.prototype.forEach.call(row.cells, function (cell) {
        if (titles[column] && cell.colSpan === 1) cell.dataset.label = titles[column];
        column += cell.colSpan;
      });
    });
    table.classList.add("cards");
  });

  // <input data-show-if="other_field=value">: the field (its <p> or .field) shows only while the other field
  // of the same form has that value; hidden, it is disabled, so not sent (the server ignores it then too).
  document.querySelectorAll("[data-show-if]").forEach(function (input) {
    var rule = input.dataset.showIf.split("="), other = input.form && input.form.elements[rule[0]];
    var wrapper = input.closest(".field, p") || input;
    if (!other) return;
    var update = function () { wrapper.hidden = input.disabled = other.value !== rule[1]; };
    other.addEventListener("change", update);
    update();
  });

  // <form data-confirm="Вопрос?">: ask before sending.
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  });

  // Connections page: «Проверить токен» of Evotor.
  var evotorButton = document.getElementById("evotor-test");
  if (evotorButton) {
    evotorButton.addEventListener("click", function () {
      var out = document.getElementById("evotor-test-result");
      var csrf = document.querySelector("#evotor input[name=csrfmiddlewaretoken]").value;
      out.textContent = "Проверяем…";
      fetch(evotorButton.dataset.url, {method: "POST", headers: {"X-CSRFToken": csrf}, credentials: "same-origin"})
        .then(function (r) { return r.json(); })
        .then(function (data) { out.textContent = data.ok ? data.message : data.error; out.className = data.ok ? "good" : "bad"; })
        .catch(function () { out.textContent = "Не удалось проверить."; out.className = "bad"; });
    });
  }

  // Connections page: «Проверить подключение» of VK.
  var vkForm = document.getElementById("vk-test-form");
  if (vkForm) {
    vkForm.addEventListener("submit", function (event) {
      event.preventDefault();
      var out = document.getElementById("vk-test-result");
      out.textContent = "Проверяем…";
      fetch(vkForm.action, {method: "POST", body: new FormData(vkForm), credentials: "same-origin"})
        .then(function (r) { return r.json(); })
        .then(function (d) {
          if (!d.token_valid) { out.textContent = "Токен не работает: " + (d.error || ""); return; }
          out.textContent = "Токен пользователя " + d.user.name + " (id " + d.user.id + "); сообщество «" + d.community.name +
            "»; товары " + (d.market_enabled ? "включены" : "выключены") + "; " +
            (d.can_edit ? "права на редактирование есть." : "прав на редактирование нет.") + (d.error ? " " + d.error : "");
        })
        .catch(function () { out.textContent = "Не удалось проверить, попробуйте ещё раз."; });
    });
  }

  // Sync page: the current run's progress, polled while it runs (bounded: an hour on the page).
  var box = document.getElementById("current");
  if (box && box.dataset.progressUrl) {
    var names = {albums: "Подборки", photos: "Фото", items: "Товары", membership: "Товары в подборках"};
    var wasActive = box.dataset.active === "true", polls = 0;
    var draw = function (d) {
      document.getElementById("current-status").textContent = d.status_display;
      var row = document.getElementById("run-" + d.run + "-status");  // the same run in «Последние запуски»
      if (row) row.textContent = d.status_display;
      var progress = document.getElementById("progress");
      progress.replaceChildren();
      Object.keys(d.progress || {}).forEach(function (k) {
        var e = d.progress[k];
        if (!e.total) return;
        var line = document.createElement("p"), bar = document.createElement("progress");
        line.textContent = (names[k] || k) + ": " + e.done + " / " + e.total + " ";
        bar.value = e.done;
        bar.max = e.total;
        line.appendChild(bar);
        progress.appendChild(line);
      });
    };
    var poll = function () {
      if (polls++ > 3600) return;
      fetch(box.dataset.progressUrl, {credentials: "same-origin"}).then(function (r) { return r.json(); }).then(function (d) {
        if (!d.run) return;
        if (d.active) { box.hidden = false; draw(d); wasActive = true; setTimeout(poll, 1000); }
        else if (wasActive) { window.location.reload(); }
      });
    };
    if (wasActive) poll();
  }
})();
