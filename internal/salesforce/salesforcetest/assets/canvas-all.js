/* sfzoom salesforcetest stand-in for Salesforce's canvas-all.js.
 * Implements the subset sfzoom uses, over postMessage with the message
 * format of the Canvas JS SDK (js/client.js, js/xd.js):
 *   {seq, src:"client", clientVersion, parentVersion, body:{type, config:{client}, ...}, targetModule:"Canvas"}
 * sent as a JSON string to the origin of client.targetOrigin. */
(function (global) {
  "use strict";
  if (global.Sfdc && global.Sfdc.canvas) { return; }
  var seq = 0, cbs = {}, parentVersion = null, clientVersion = "41.0", stored = null;
  var doc = global.document;

  function canvas(fn) {
    if (doc.readyState === "loading") { doc.addEventListener("DOMContentLoaded", fn); } else { fn(); }
  }
  function originOf(u) {
    if (u === "*") { return "*"; }
    try { var x = new URL(u); return x.protocol + "//" + x.host; } catch (e) { return null; }
  }
  function post(client, body, cb) {
    seq = seq > 100 ? 0 : seq + 1;
    if (cb) { cbs[seq] = cb; }
    body.config = { client: client };
    var to = originOf(client && client.targetOrigin);
    if (!to) { throw "ERROR: targetOrigin was not supplied and was not found on the hash tag"; }
    var msg = { seq: seq, src: "client", clientVersion: clientVersion, parentVersion: parentVersion, body: body, targetModule: "Canvas" };
    global.parent.postMessage(JSON.stringify(msg), to);
  }
  global.addEventListener("message", function (ev) {
    if (typeof ev.data !== "string" || !/^\{.*\}$/.test(ev.data)) { return; }
    var d;
    try { d = JSON.parse(ev.data); } catch (e) { return; }
    if (d.targetModule && d.targetModule !== "Canvas") { return; }
    if (d.parentVersion) { parentVersion = d.parentVersion; }
    if (d.seq && typeof cbs[d.seq] === "function") { var cb = cbs[d.seq]; delete cbs[d.seq]; cb(d); }
  });
  function frameClient() {
    var id = (global.name || "").substring("canvas-frame-".length);
    return { oauthToken: "null", instanceId: id, targetOrigin: "*" };
  }
  function size() {
    var de = doc.documentElement, b = doc.body || de;
    return {
      heights: { contentHeight: Math.max(de.scrollHeight, b.scrollHeight), pageHeight: global.innerHeight, scrollTop: global.pageYOffset || de.scrollTop },
      widths: { contentWidth: Math.max(de.scrollWidth, b.scrollWidth), pageWidth: global.innerWidth, scrollLeft: global.pageXOffset || de.scrollLeft }
    };
  }
  function resize(client, sz) {
    if (!sz) { var s = size(); sz = { height: s.heights.contentHeight + "px" }; }
    post(client, { type: "resize", size: sz });
  }
  var timers = {};
  function autogrow(client, on, interval) {
    var key = client && client.instanceId || "default";
    if (timers[key]) { clearTimeout(timers[key]); delete timers[key]; }
    if (on === false) { return; }
    var last = null;
    (function loop() {
      var h = size().heights.contentHeight;
      if (h !== last) { last = h; resize(client, { height: h + "px" }); }
      timers[key] = setTimeout(loop, interval || 300);
    })();
  }
  function decode(s) {
    var bin = global.atob(String(s).replace(/[^A-Za-z0-9+/=]/g, ""));
    try { return decodeURIComponent(Array.prototype.map.call(bin, function (c) { return "%" + ("00" + c.charCodeAt(0).toString(16)).slice(-2); }).join("")); } catch (e) { return bin; }
  }
  global.Sfdc = global.Sfdc || {};
  canvas.decode = decode;
  canvas.onReady = canvas;
  canvas.client = {
    resize: resize,
    autogrow: autogrow,
    size: size,
    signedrequest: function (s) { if (arguments.length) { stored = s; } return stored; },
    refreshSignedRequest: function (cb) { post(frameClient(), { type: "refresh", accessToken: "null" }, cb); },
    repost: function (refresh) {
      var r = refresh === true || (refresh && refresh.refresh === true);
      post(frameClient(), { type: "repost", accessToken: "null", refresh: r });
    },
    publish: function (client, e) {
      if (e && e.name) { post(client, { type: "publish", event: e }); }
    },
    ctx: function (cb, client) { post(client || frameClient(), { type: "ctx", accessToken: client && client.oauthToken }, cb); },
    version: function () { return { clientVersion: clientVersion, parentVersion: parentVersion }; }
  };
  global.Sfdc.canvas = canvas;
})(window);
