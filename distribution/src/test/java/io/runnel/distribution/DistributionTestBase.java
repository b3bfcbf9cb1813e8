package io.runnel.distribution;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

/** Gives each end-to-end test its own copy of the unpacked distribution in a temporary folder. */
abstract class DistributionTestBase {
    static final String VERSION = System.getProperty("runnel.version");

    @TempDir
    Path temp;

    Distribution dist;

    @BeforeEach
    void copyDistribution() {
        dist = Distribution.copyInto(temp);
    }
}
