package io.runnel.cli.internal;

import java.io.InputStream;

/** A command that reads standard input; {@code RunnelCli} hands it the stream (a test's, or {@code System.in}). */
public interface StandardInput {
    void setStandardInput(InputStream in);
}
