package io.runnel.api;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class ErrorCodeTest {

    @Test
    void codesRoundTripAndUnknownCodesAreErrors() {
        for (ErrorCode code : ErrorCode.values()) {
            assertEquals(code, ErrorCode.forCode(code.code()));
        }
        assertEquals(ErrorCode.UNKNOWN_SERVER_ERROR, ErrorCode.forCode(12345));
    }

    @Test
    void wireCodesUsersDependOnDoNotMove() {
        assertEquals(0, ErrorCode.NONE.code());
        assertEquals(2, ErrorCode.CORRUPT_RECORD.code());
        assertEquals(6, ErrorCode.NOT_LEADER_OR_FOLLOWER.code());
        assertEquals(10, ErrorCode.MESSAGE_TOO_LARGE.code());
        assertEquals(17, ErrorCode.INVALID_TOPIC.code());
        assertEquals(19, ErrorCode.NOT_ENOUGH_REPLICAS.code());
        assertEquals(76, ErrorCode.UNSUPPORTED_COMPRESSION_TYPE.code());
    }
}
