/**
 * sendq core: the in-memory queue engine of an email sender process.
 *
 * <p>Exports one package, {@code dev.sendq.core}; everything else in it is package-private.
 */
module dev.sendq.core {
    requires it.unimi.dsi.fastutil.core;

    exports dev.sendq.core;
}
