/**
 * sendq's API adapter: the documented "Get sender queue information" request, answered as JSON
 * or XML from the core engine's counters, its siblings Clear, Hold and Release sender queue, and
 * our extensions (hold rules with reasons, labels, expiry and impact; queue age; retry reasons;
 * rate limits), with a binding on the JDK's HTTP server, an operator dashboard that the binding
 * (or any server) can serve next to the handler, and a demo.
 */
module dev.sendq.api {
    requires transitive dev.sendq.core;
    requires tools.jackson.core;
    requires tools.jackson.databind;
    requires tools.jackson.dataformat.xml;
    requires jdk.httpserver;
    requires java.xml;

    exports dev.sendq.api;
}
