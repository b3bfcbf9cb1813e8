package io.runnel.runtime;

import io.runnel.api.ErrorCode;
import io.runnel.api.RunnelException;

import java.util.List;

/**
 * Start-up refused because of one or more plugin problems. Each problem is one line that names
 * the jar (or module) and what is wrong; nothing was started.
 */
public final class PluginLoadException extends RunnelException {
    private static final long serialVersionUID = 1L;

    private final List<String> problems;

    public PluginLoadException(List<String> problems) {
        super(ErrorCode.PLUGIN_ERROR, String.join(System.lineSeparator(), problems));
        this.problems = List.copyOf(problems);
    }

    /** One line per problem. */
    public List<String> problems() {
        return problems;
    }
}
