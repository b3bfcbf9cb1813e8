package io.runnel.cli.internal;

import io.runnel.api.SpiVersion;
import picocli.CommandLine;

/** {@code runnel --version}: the runtime version and the SPI version plugins are checked against. */
public final class VersionProvider implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
        String version = VersionProvider.class.getModule().getDescriptor() != null
                ? VersionProvider.class.getModule().getDescriptor().rawVersion().orElse("unknown")
                : String.valueOf(VersionProvider.class.getPackage().getImplementationVersion());
        return new String[] {"Runnel " + version + " (plugin SPI " + SpiVersion.CURRENT + ")",
                "Java " + Runtime.version() + " (" + System.getProperty("java.vendor") + ")"};
    }
}
