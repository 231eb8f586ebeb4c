/*
 * sfzoom's only script. The Content-Security-Policy forbids inline scripts and
 * event-handler attributes, so every behaviour is wired here by delegation on
 * data attributes rendered by the templates:
 *
 *   <meta name="sfzoom-session">, <meta name="csrf-token">
 *       sent on every htmx request as X-Sfzoom-Session / X-CSRF-Token, because
 *       the canvas iframe cannot rely on cookies (third-party cookie blocking).
 *   <script type="application/json" id="sfzoom-canvas-client">
 *       the Canvas client object; with Sfdc.canvas present the frame autogrows.
 *   [data-copy="text"]               copy text to the clipboard.
 *   a[data-popup]                    open in a popup (OAuth cannot be framed).
 *   [data-popup-refresh="#sel"]      on the popup link: element to re-fetch
 *                                    (hx-get) when the popup reports back.
 *   [data-sfzoom-popup-result]       on the popup's last page: tell the opener.
 *   [data-close-window]              close the popup.
 *   [data-canvas-repost]             ask Salesforce for a fresh signed request.
 *   [data-modal-open="id"]           open the SLDS modal id (focus kept inside,
 *                                    Escape or [data-modal-close] closes it).
 *   a[data-sf-record="ID"]           open a Salesforce record in the Salesforce
 *                                    window (Canvas s1.navigateToSObject).
 *   #sfzoom-flash                    the message region: error responses and
 *                                    client messages are shown there.
 *   X-Sfzoom-Form-Errors (response)  a form re-rendered with its errors: it
 *                                    replaces the form; the first invalid
 *                                    field gets the focus.
 *   [data-instant]                   on a submit button: open a window now,
 *                                    while the click still allows it, and
 *   [data-start-meeting]             send it to the start link the answer
 *                                    carries (Zoom's start URL for the host).
 *
 * A 401 response with X-Sfzoom-Session-Expired makes the page ask Salesforce
 * for a new signed request (refreshSignedRequest, then a POST to /canvas;
 * or Sfdc.canvas.client.repost(true)) or, out of Salesforce, shows the
 * message.
 */
(function () {
  "use strict";

  var SESSION_HEADER = "X-Sfzoom-Session";
  var CSRF_HEADER = "X-CSRF-Token";
  var EXPIRED_HEADER = "X-Sfzoom-Session-Expired";
  var FORM_ERRORS_HEADER = "X-Sfzoom-Form-Errors";
  var CANVAS_PATH = "/canvas";
  var POPUP_MESSAGE = "sfzoom:popup-done";

  function meta(name) {
    var el = document.querySelector('meta[name="' + name + '"]');
    return el ? el.getAttribute("content") || "" : "";
  }

  function sameOrigin(url) {
    try {
      return new URL(url, window.location.href).origin === window.location.origin;
    } catch (e) {
      return false;
    }
  }

  function canvasSDK() {
    var s = window.Sfdc;
    return s && s.canvas && s.canvas.client ? s.canvas : null;
  }

  function canvasClient() {
    var el = document.getElementById("sfzoom-canvas-client");
    if (!el) {
      return null;
    }
    try {
      return JSON.parse(el.textContent);
    } catch (e) {
      return null;
    }
  }

  // Messages: rendered as text, never as HTML, unless the HTML came from our
  // own server in an htmx error response.
  function messagesRegion() {
    return document.getElementById("sfzoom-flash");
  }

  function showMessage(text) {
    var region = messagesRegion();
    if (!region) {
      return;
    }
    var box = document.createElement("div");
    box.className = "slds-notify slds-notify_alert slds-alert_error";
    box.setAttribute("role", "alert");
    box.setAttribute("data-testid", "client-message");
    var h2 = document.createElement("h2");
    h2.textContent = text;
    box.appendChild(h2);
    region.replaceChildren(box);
  }

  function clearMessages() {
    var region = messagesRegion();
    if (region) {
      region.replaceChildren();
    }
  }

  // (e) Session expiry. Inside Salesforce the page asks the parent for a
  // fresh signed request (Sfdc.canvas.client.refreshSignedRequest: "use it
  // when the OAuth token expired", developer.salesforce.com/docs/atlas.en-us.
  // platform_connect.meta/platform_connect/canvas_app_refresh_signed_request.htm)
  // and POSTs it to sfzoom's canvas URL itself, which starts a new app
  // session and reloads the same record. The SDK builds the client from the
  // frame's window.name, so this works even when the page's own session is
  // broken. If the parent does not answer, fall back to
  // Sfdc.canvas.client.repost(true), which asks Salesforce to re-POST a new
  // signed request (repost takes a boolean: forcedotcom/
  // SalesforceCanvasJavascriptSDK js/canvas-all.js, r = refresh || false).
  function refreshSession(message) {
    var sdk = canvasSDK();
    var framed = window.top !== window.self;
    var fallback = function () {
      if (sdk && typeof sdk.client.repost === "function") {
        sdk.client.repost(true);
        return;
      }
      showMessage(message || "Your session has expired. Reload the Salesforce page to continue.");
    };
    if (!sdk || !framed || typeof sdk.client.refreshSignedRequest !== "function") {
      fallback();
      return;
    }
    var done = false;
    var timer = window.setTimeout(function () {
      if (!done) {
        done = true;
        fallback();
      }
    }, 5000);
    sdk.client.refreshSignedRequest(function (data) {
      if (done) {
        return;
      }
      done = true;
      window.clearTimeout(timer);
      var sr = data && data.status === 200 && data.payload ? data.payload.response : "";
      if (typeof sr === "string" && sr.indexOf(".") > 0) {
        postSignedRequest(sr);
      } else {
        fallback();
      }
    });
  }

  function postSignedRequest(sr) {
    var form = document.createElement("form");
    form.method = "post";
    form.action = CANVAS_PATH;
    form.hidden = true;
    var input = document.createElement("input");
    input.type = "hidden";
    input.name = "signed_request";
    input.value = sr;
    form.appendChild(input);
    document.body.appendChild(form);
    form.submit();
  }

  // --- htmx -----------------------------------------------------------------

  // (a) Every htmx request carries the session and CSRF tokens as headers,
  // but only to our own origin: the tokens must never reach a third party.
  document.addEventListener("htmx:configRequest", function (evt) {
    var d = evt.detail;
    if (!sameOrigin(d.path)) {
      return;
    }
    var session = meta("sfzoom-session");
    var csrf = meta("csrf-token");
    if (session) {
      d.headers[SESSION_HEADER] = session;
    }
    if (csrf) {
      d.headers[CSRF_HEADER] = csrf;
    }
  });

  // htmx does not swap 4xx/5xx responses by default. Show our server's error
  // fragment in the messages region instead, and handle session expiry.
  document.addEventListener("htmx:beforeSwap", function (evt) {
    var d = evt.detail;
    var xhr = d.xhr;
    if (!xhr || xhr.status < 400) {
      return;
    }
    if (xhr.status === 401 && xhr.getResponseHeader(EXPIRED_HEADER)) {
      d.shouldSwap = false;
      refreshSession();
      return;
    }
    // A form sent back with its errors next to the fields: swap it where
    // the server said (HX-Retarget/HX-Reswap), and drop older messages.
    if (xhr.getResponseHeader(FORM_ERRORS_HEADER) && sameOrigin(xhr.responseURL || "")) {
      d.shouldSwap = true;
      clearMessages();
      return;
    }
    var region = messagesRegion();
    if (region && sameOrigin(xhr.responseURL || d.pathInfo && d.pathInfo.requestPath || "")) {
      // isError stays true, so htmx:afterRequest reports a failure and the
      // message is not cleared right after it is shown.
      d.shouldSwap = true;
      d.target = region;
      d.swapOverride = "innerHTML";
      d.selectOverride = "";
    }
  });

  // After a swap: focus the first invalid field of a form sent back with
  // errors, or the result that replaced a form, so keyboard and screen
  // reader users land on what changed (the iframe may be taller than the
  // screen, so the browser scrolls there too).
  document.addEventListener("htmx:afterSwap", function (evt) {
    var d = evt.detail || {};
    var xhr = d.xhr;
    var fromStart = fromStartForm(d);
    if (xhr && xhr.getResponseHeader(FORM_ERRORS_HEADER)) {
      var bad = document.querySelector('[aria-invalid="true"]') || document.querySelector('#sfzoom-schedule [role="alert"]');
      if (bad) {
        if (!bad.hasAttribute("tabindex") && !/^(INPUT|SELECT|TEXTAREA|BUTTON|FIELDSET)$/.test(bad.tagName)) {
          bad.setAttribute("tabindex", "-1");
        }
        bad.focus();
      }
      if (fromStart) {
        closeStartWindow();
      }
      return;
    }
    var result = document.getElementById("sfzoom-schedule-result");
    if (result && d.requestConfig && d.requestConfig.verb === "post" && d.successful && result.contains(document.activeElement) === false) {
      result.focus();
    }
    if (fromStart) {
      followStartLink();
    }
  });

  // (f) Instant meetings. A window opened after the server answers is not
  // "in response to a click" any more and popup blockers (and the Canvas
  // iframe) refuse it, so the window is opened during the click, empty, and
  // sent to Zoom's start link once the answer to that form carries it.
  // Without a window (blocked), the result card's Start meeting link does
  // the same on a click.
  var startWindow = null;
  var startForm = null;

  function openStartWindow(form) {
    closeStartWindow();
    startForm = form;
    try {
      startWindow = window.open("about:blank", "sfzoom-zoom-start");
    } catch (e) {
      startWindow = null;
    }
    if (startWindow) {
      try {
        startWindow.document.title = "Starting Zoom…";
        startWindow.document.body.textContent = "Starting your Zoom meeting…";
      } catch (e) {
        /* the window is still usable */
      }
    }
  }

  // fromStartForm: the htmx event is about the request of the form whose
  // instant button opened the window (the form itself may be swapped out
  // by then, so compare the request's path).
  function fromStartForm(d) {
    if (!startForm || !d.requestConfig) {
      return false;
    }
    return d.requestConfig.path === startForm.getAttribute("hx-post");
  }

  function closeStartWindow() {
    if (startWindow && !startWindow.closed) {
      startWindow.close();
    }
    startWindow = null;
    startForm = null;
  }

  function followStartLink() {
    var link = document.querySelector("#sfzoom-schedule a[data-start-meeting]");
    var w = startWindow;
    startWindow = null;
    startForm = null;
    if (!w || w.closed) {
      return;
    }
    if (!link) {
      w.close();
      return;
    }
    // Like rel="noopener": Zoom's page gets no handle on this frame.
    w.opener = null;
    w.location.replace(link.href);
  }

  // A request that never got a response (network down, server unreachable).
  document.addEventListener("htmx:sendError", function () {
    closeStartWindow();
    showMessage("sfzoom could not be reached. Check your connection and try again.");
  });

  // A successful request clears stale error messages.
  document.addEventListener("htmx:afterRequest", function (evt) {
    if (evt.detail && evt.detail.successful) {
      clearMessages();
    } else if (fromStartForm(evt.detail || {})) {
      closeStartWindow();
    }
  });

  // --- Canvas -----------------------------------------------------------------

  // (b) Let the iframe follow the content's height.
  function startCanvas() {
    var sdk = canvasSDK();
    var client = canvasClient();
    if (!sdk || !client) {
      return;
    }
    document.documentElement.classList.add("sfzoom-canvas");
    if (typeof sdk.client.autogrow === "function") {
      sdk.client.autogrow(client);
    } else if (typeof sdk.client.resize === "function") {
      sdk.client.resize(client);
    }
    // autogrow polls; an explicit resize after each swap avoids a visible lag.
    document.addEventListener("htmx:afterSettle", function () {
      if (typeof sdk.client.resize === "function") {
        sdk.client.resize(client);
      }
    });
  }

  // --- Clicks -------------------------------------------------------------------

  // (c) Copy buttons. navigator.clipboard needs the iframe to be allowed
  // "clipboard-write", which Salesforce may not grant, so fall back to a
  // temporary textarea and execCommand.
  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text).catch(function () {
        return legacyCopy(text);
      });
    }
    return legacyCopy(text);
  }

  function legacyCopy(text) {
    return new Promise(function (resolve, reject) {
      var ta = document.createElement("textarea");
      ta.value = text;
      ta.setAttribute("readonly", "");
      ta.className = "slds-assistive-text";
      document.body.appendChild(ta);
      ta.select();
      var ok = false;
      try {
        ok = document.execCommand("copy");
      } catch (e) {
        ok = false;
      }
      document.body.removeChild(ta);
      if (ok) {
        resolve();
      } else {
        reject(new Error("copy failed"));
      }
    });
  }

  function announceCopy(button, text) {
    var label = button.querySelector("[data-copy-label]") || button;
    var previous = label.textContent;
    label.textContent = text;
    window.setTimeout(function () {
      label.textContent = previous;
    }, 2000);
  }

  // (d) Popups: one at a time, remembered so the answer can be matched to it.
  var popup = null;
  var popupLink = null;

  function openPopup(link) {
    var w = 600;
    var h = 720;
    var left = Math.max(0, (window.screen.width - w) / 2);
    var top = Math.max(0, (window.screen.height - h) / 2);
    var features = "popup=yes,width=" + w + ",height=" + h + ",left=" + left + ",top=" + top;
    var win = window.open(link.href, "sfzoom-popup", features);
    if (!win) {
      showMessage("Your browser blocked the sign-in window. Allow pop-ups for this site and try again.");
      return;
    }
    popup = win;
    popupLink = link;
    win.focus();
  }

  function refreshAfterPopup(link) {
    var selector = link && link.getAttribute("data-popup-refresh");
    var target = selector ? document.querySelector(selector) : null;
    var url = target && target.getAttribute("hx-get");
    if (target && url && window.htmx) {
      window.htmx.ajax("GET", url, { source: target, target: target, swap: "outerHTML" });
      return;
    }
    window.location.reload();
  }

  window.addEventListener("message", function (evt) {
    // Only our own popup page may report back: same origin, and (when we
    // still hold it) the window we opened.
    if (evt.origin !== window.location.origin) {
      return;
    }
    if (popup && evt.source !== popup) {
      return;
    }
    var data = evt.data;
    if (!data || data.type !== POPUP_MESSAGE) {
      return;
    }
    var link = popupLink;
    popup = null;
    popupLink = null;
    refreshAfterPopup(link);
  });

  // The popup side: the last page of an OAuth flow carries the result and
  // tells the opener, then closes itself.
  function reportPopupResult() {
    var el = document.querySelector("[data-sfzoom-popup-result]");
    if (!el || !window.opener) {
      return;
    }
    try {
      window.opener.postMessage(
        { type: POPUP_MESSAGE, ok: el.getAttribute("data-sfzoom-popup-result") === "ok" },
        window.location.origin
      );
    } catch (e) {
      return;
    }
    if (el.getAttribute("data-sfzoom-popup-result") === "ok") {
      window.setTimeout(function () {
        window.close();
      }, 1500);
    }
  }

  document.addEventListener("click", function (evt) {
    if (evt.defaultPrevented || evt.button !== 0) {
      return;
    }
    var el = evt.target instanceof Element ? evt.target : null;
    if (!el) {
      return;
    }

    var instant = el.closest("button[data-instant]");
    if (instant && instant.form) {
      openStartWindow(instant.form); // no preventDefault: the form still submits
    }

    var copy = el.closest("[data-copy]");
    if (copy) {
      evt.preventDefault();
      copyText(copy.getAttribute("data-copy") || "").then(
        function () {
          announceCopy(copy, copy.getAttribute("data-copied-text") || "Copied");
        },
        function () {
          announceCopy(copy, "Copy failed");
        }
      );
      return;
    }

    var link = el.closest("a[data-popup]");
    if (link && !evt.metaKey && !evt.ctrlKey && !evt.shiftKey) {
      evt.preventDefault();
      openPopup(link);
      return;
    }

    // A link to a Salesforce record opens it in the Salesforce window the
    // Canvas way: the SDK's s1.navigateToSObject event, which Salesforce
    // handles outside the frame
    // (https://developer.salesforce.com/docs/platform/canvas-framework/guide/canvas-apps-salesforce1-navigation-methods.html).
    // Without the SDK the link's target="_top" opens the record page.
    var rec = el.closest("a[data-sf-record]");
    if (rec && !evt.metaKey && !evt.ctrlKey && !evt.shiftKey) {
      var nav = canvasSDK();
      var navClient = canvasClient();
      if (nav && navClient && typeof nav.client.publish === "function") {
        evt.preventDefault();
        nav.client.publish(navClient, { name: "s1.navigateToSObject", payload: { recordId: rec.getAttribute("data-sf-record") } });
        return;
      }
    }

    if (el.closest("[data-close-window]")) {
      evt.preventDefault();
      window.close();
      return;
    }

    if (el.closest("[data-canvas-repost]")) {
      evt.preventDefault();
      refreshSession("Reload the Salesforce page to sign in to sfzoom again.");
    }
  });

  // Modals (the cancel confirmation): [data-modal-open="id"] opens the
  // modal id next to the button, moves the focus into it and keeps it there
  // (Tab and Shift+Tab cycle); Escape, [data-modal-close] or a swap that
  // removes it closes it and gives the focus back to the button.
  var openModal = null;
  var modalOpener = null;

  function focusables(root) {
    return Array.prototype.filter.call(
      root.querySelectorAll('button, [href], input, select, textarea, [tabindex]:not([tabindex="-1"])'),
      function (el) { return !el.disabled && el.offsetParent !== null; }
    );
  }

  function showModal(modal, opener) {
    modalOpener = opener;
    openModal = modal;
    modal.hidden = false;
    // The dialog is placed absolutely: its top is measured from its own
    // containing block, so that it opens level with the button.
    var dialog = modal.querySelector(".slds-modal") || modal;
    var base = dialog.offsetParent || document.body;
    var top = opener.getBoundingClientRect().top - base.getBoundingClientRect().top - 120;
    modal.style.setProperty("--sfzoom-modal-top", Math.max(0, top) + "px");
    var first = focusables(modal)[0];
    (first || modal.querySelector('[role="dialog"]')).focus();
  }

  function closeModal() {
    if (!openModal) {
      return;
    }
    openModal.hidden = true;
    openModal = null;
    if (modalOpener && document.contains(modalOpener)) {
      modalOpener.focus();
    }
    modalOpener = null;
  }

  document.addEventListener("click", function (evt) {
    var el = evt.target instanceof Element ? evt.target : null;
    if (!el) {
      return;
    }
    var opener = el.closest("[data-modal-open]");
    if (opener) {
      var modal = document.getElementById(opener.getAttribute("data-modal-open") || "");
      if (modal) {
        evt.preventDefault();
        showModal(modal, opener);
      }
      return;
    }
    if (openModal && el.closest("[data-modal-close]")) {
      evt.preventDefault();
      closeModal();
    }
  });

  document.addEventListener("keydown", function (evt) {
    if (!openModal) {
      return;
    }
    if (evt.key === "Escape") {
      evt.preventDefault();
      closeModal();
      return;
    }
    if (evt.key !== "Tab") {
      return;
    }
    var items = focusables(openModal);
    if (items.length === 0) {
      evt.preventDefault();
      return;
    }
    var first = items[0];
    var last = items[items.length - 1];
    var inside = openModal.contains(document.activeElement);
    if (evt.shiftKey && (document.activeElement === first || !inside)) {
      evt.preventDefault();
      last.focus();
    } else if (!evt.shiftKey && (document.activeElement === last || !inside)) {
      evt.preventDefault();
      first.focus();
    }
  });

  document.addEventListener("htmx:afterSwap", function () {
    if (openModal && !document.contains(openModal)) {
      openModal = null;
      modalOpener = null;
    }
  });

  function ready(fn) {
    if (document.readyState === "loading") {
      document.addEventListener("DOMContentLoaded", fn);
    } else {
      fn();
    }
  }

  ready(function () {
    var sdk = canvasSDK();
    if (sdk && typeof window.Sfdc.canvas === "function") {
      // Sfdc.canvas(fn) runs fn once the SDK is ready.
      window.Sfdc.canvas(startCanvas);
    } else {
      startCanvas();
    }
    reportPopupResult();
  });
})();

// Recordings (issue 8): click a transcript line to seek the meeting's player;
// type in the transcript search to filter its lines. Delegated listeners, so
// fragments loaded later by htmx work too.
(function () {
  "use strict";

  document.addEventListener("click", function (evt) {
    var btn = evt.target instanceof Element ? evt.target.closest("[data-seek]") : null;
    if (!btn) {
      return;
    }
    var player = document.getElementById(btn.getAttribute("data-player") || "");
    var t = parseFloat(btn.getAttribute("data-seek"));
    if (!player || isNaN(t)) {
      return;
    }
    evt.preventDefault();
    player.currentTime = t;
    var p = player.play();
    if (p && typeof p.catch === "function") {
      p.catch(function () {}); // autoplay rules may refuse; the seek still happened
    }
  });

  // [data-toggle="id"] on a button shows or hides the element id (the SLDS
  // accordion's Transcript section) and says so with aria-expanded. A real
  // button: Enter and Space work from the keyboard.
  document.addEventListener("click", function (evt) {
    var btn = evt.target instanceof Element ? evt.target.closest("button[data-toggle]") : null;
    if (!btn) {
      return;
    }
    var panel = document.getElementById(btn.getAttribute("data-toggle") || "");
    if (!panel) {
      return;
    }
    evt.preventDefault();
    var open = btn.getAttribute("aria-expanded") !== "true";
    btn.setAttribute("aria-expanded", open ? "true" : "false");
    panel.hidden = !open;
    var section = btn.closest(".slds-accordion__section");
    if (section) {
      section.classList.toggle("slds-is-open", open);
    }
  });

  document.addEventListener("input", function (evt) {
    var input = evt.target;
    if (!(input instanceof HTMLInputElement) || !input.hasAttribute("data-transcript-search")) {
      return;
    }
    var list = document.getElementById(input.getAttribute("data-transcript-search"));
    if (!list) {
      return;
    }
    var q = input.value.trim().toLowerCase();
    var lines = list.querySelectorAll("li");
    for (var i = 0; i < lines.length; i++) {
      lines[i].hidden = q !== "" && lines[i].textContent.toLowerCase().indexOf(q) === -1;
    }
  });
})();
