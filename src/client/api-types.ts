/**
 * The API's types, generated from its OpenAPI document by `npm run client:generate`
 * (openapi-typescript). Do not edit: change the routes' zod schemas and generate again.
 */

export interface paths {
    "/api/v1/accounts": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Monitored accounts (registered or seen on the log), removed ones left out
         * @description **Roles:** reader, operator, auditor, admin.
         */
        get: {
            parameters: {
                query?: {
                    /** @description Answer only once the read models include this stream sequence (the `seq` an action returned); waits up to 5 s, else 503 */
                    min_seq?: components["parameters"]["MinSeq"];
                };
                header?: {
                    /** @description Your id for this request (up to 128 of A-Z a-z 0-9 _ - =); returned, and on every log line of the request. A new one is made when absent or malformed. */
                    "x-request-id"?: components["parameters"]["RequestId"];
                };
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description By account id */
                200: {
                    headers: {
                        "X-Request-Id": components["headers"]["RequestId"];
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            accounts: components["schemas"]["Account"][];
                        };
                    };
                };
                400: components["responses"]["InvalidRequest"];
                401: components["responses"]["Unauthorized"];
                403: components["responses"]["Forbidden"];
                429: components["responses"]["RateLimited"];
                500: components["responses"]["InternalError"];
                503: components["responses"]["NotProjectedYet"];
            };
        };
        put?: never;
        /**
         * Register a monitored account: appends AccountRegistered
         * @description **Roles:** admin.
         */
        post: {
            parameters: {
                query?: never;
                header?: {
                    /** @description Your id for this request (up to 128 of A-Z a-z 0-9 _ - =); returned, and on every log line of the request. A new one is made when absent or malformed. */
                    "x-request-id"?: components["parameters"]["RequestId"];
                };
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        /** @description a monitored account: its platform id, e.g. dy_10001 */
                        account_id: string;
                        display_name: string;
                        notes?: string | null;
                        /** @default douyin */
                        platform?: string;
                        /**
                         * @default active
                         * @enum {string}
                         */
                        status?: "active" | "paused" | "disabled";
                    };
                };
            };
            responses: {
                /** @description Registered (a removed account comes back with its history) */
                201: {
                    headers: {
                        "X-Request-Id": components["headers"]["RequestId"];
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["AccountActionResult"];
                    };
                };
                /** @description Appended but not yet projected: read with min_seq=seq */
                202: {
                    headers: {
                        "X-Request-Id": components["headers"]["RequestId"];
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @enum {boolean} */
                            projected: false;
                            seq: number;
                        };
                    };
                };
                /** @description Invalid input: the body names the field */
                400: {
                    headers: {
                        "X-Request-Id": components["headers"]["RequestId"];
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                401: components["responses"]["Unauthorized"];
                403: components["responses"]["Forbidden"];
                /** @description Not found */
                404: {
                    headers: {
                        "X-Request-Id": components["headers"]["RequestId"];
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description account_exists: the account is registered already */
                409: {
                    headers: {
                        "X-Request-Id": components["headers"]["RequestId"];
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                413: components["responses"]["PayloadTooLarge"];
                429: components["responses"]["RateLimited"];
                500: components["responses"]["InternalError"];
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/accounts/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * One monitored account
         * @description **Roles:** reader, operator, auditor, admin.
         */
        get: {
            parameters: {
                query?: {
                    /** @description Answer only once the read models include this stream sequence (the `seq` an action returned); waits up to 5 s, else 503 */
                    min_seq?: components["parameters"]["MinSeq"];
                };
                header?: {
                    /** @description Your id for this request (up to 128 of A-Z a-z 0-9 _ - =); returned, and on every log line of the request. A new one is made when absent or malformed. */
                    "x-request-id"?: components["parameters"]["RequestId"];
                };
                path: {
                    /** @description a monitored account: its platform id, e.g. dy_10001 */
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The account */
                200: {
                    headers: {
                        "X-Request-Id": components["headers"]["RequestId"];
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Account"];
                    };
                };
                /** @description Invalid input: the body names the field */
                400: {
                    headers: {
                        "X-Request-Id": components["headers"]["RequestId"];
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                401: components["responses"]["Unauthorized"];
                403: components["responses"]["Forbidden"];
                /** @description Not found */
                404: {
                    headers: {
                        "X-Request-Id": components["headers"]["RequestId"];
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                429: components["responses"]["RateLimited"];
                500: components["responses"]["InternalError"];
                503: components["responses"]["NotProjectedYet"];
            };
        };
        put?: never;
        post?: never;
        /**
         * Stop monitoring an account: appends AccountRemoved; its history stays. Again, answers the first
         * @description **Roles:** admin.
         */
        delete: {
            parameters: {
                query?: never;
                header?: {
                    /** @description Your id for this request (up to 128 of A-Z a-z 0-9 _ - =); returned, and on every log line of the request. A new one is made when absent or malformed. */
                    "x-request-id"?: components["parameters"]["RequestId"];
                };
                path: {
                    /** @description a monitored account: its platform id, e.g. dy_10001 */
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Removed (now, or before: then nothing is appended) */
                200: {
                    headers: {
                        "X-Request-Id": components["headers"]["RequestId"];
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["AccountActionResult"];
                    };
                };
                /** @description Appended but not yet projected: read with min_seq=seq */
                202: {
                    headers: {
                        "X-Request-Id": components["headers"]["RequestId"];
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @enum {boolean} */
                            projected: false;
                            seq: number;
                        };
                    };
                };
                /** @description Invalid input: the body names the field */
                400: {
                    headers: {
                        "X-Request-Id": components["headers"]["RequestId"];
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                401: components["responses"]["Unauthorized"];
                403: components["responses"]["Forbidden"];
                /** @description Not found */
                404: {
                    headers: {
                        "X-Request-Id": components["headers"]["RequestId"];
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                429: components["responses"]["RateLimited"];
                500: components["responses"]["InternalError"];
            };
        };
        options?: never;
        head?: never;
        /**
         * Change an account's display name, platform, status or notes: appends AccountUpdated
         * @description **Roles:** admin.
         */
        patch: {
            parameters: {
                query?: never;
                header?: {
                    /** @description Your id for this request (up to 128 of A-Z a-z 0-9 _ - =); returned, and on every log line of the request. A new one is made when absent or malformed. */
                    "x-request-id"?: components["parameters"]["RequestId"];
                };
                path: {
                    /** @description a monitored account: its platform id, e.g. dy_10001 */
                    id: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        display_name?: string;
                        /** @description null clears the notes */
                        notes?: string | null;
                        platform?: string;
                        /** @enum {string} */
                        status?: "active" | "paused" | "disabled";
                    };
                };
            };
            responses: {
                /** @description Changed: the account as it is now */
                200: {
                    headers: {
                        "X-Request-Id": components["headers"]["RequestId"];
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["AccountActionResult"];
                    };
                };
                /** @description Appended but not yet projected: read with min_seq=seq */
                202: {
                    headers: {
                        "X-Request-Id": components["headers"]["RequestId"];
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @enum {boolean} */
                            projected: false;
                            seq: number;
                        };
                    };
                };
                /** @description Invalid input: the body names the field */
                400: {
                    headers: {
                        "X-Request-Id": components["headers"]["RequestId"];
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                401: components["responses"]["Unauthorized"];
                403: components["responses"]["Forbidden"];
                /** @description Not found */
                404: {
                    headers: {
                        "X-Request-Id": components["headers"]["RequestId"];
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                413: components["responses"]["PayloadTooLarge"];
                429: components["responses"]["RateLimited"];
                500: components["responses"]["InternalError"];
            };
        };
        trace?: never;
    };
    "/api/v1/accounts/status/all": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Every monitored account at a glance: last capture, messages today, unread, pending replies, lag
         * @description **Roles:** reader, operator, auditor, admin.
         */
        get: {
            parameters: {
                query?: {
                    /** @description Answer only once the read models include this stream sequence (the `seq` an action returned); waits up to 5 s, else 503 */
                    min_seq?: components["parameters"]["MinSeq"];
                    /** @description count messages created at or after this time (epoch ms) instead of today */
                    since?: number | null;
                    /** @description the time zone whose calendar day is "today" (default UTC) */
                    tz?: string;
                };
                header?: {
                    /** @description Your id for this request (up to 128 of A-Z a-z 0-9 _ - =); returned, and on every log line of the request. A new one is made when absent or malformed. */
                    "x-request-id"?: components["parameters"]["RequestId"];
                };
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description By account id */
                200: {
                    headers: {
                        "X-Request-Id": components["headers"]["RequestId"];
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            accounts: {
                                account_id: string;
                                display_name: string | null;
                                last_message_captured_at: number | null;
                                /** @description messages created since `since`, not recalled */
                                messages_today: number;
                                pending_replies: number;
                                platform: string | null;
                                /** @description events on the log not yet projected (one projector serves every account) */
                                projector_lag_events: number | null;
                                /** @enum {string|null} */
                                status: "active" | "paused" | "disabled" | null;
                                /** @description as the unread summary's total_unread */
                                unread_total: number;
                            }[];
                            projector: {
                                checkpoint: number | null;
                                lag_events: number | null;
                                stream_last_seq: number | null;
                            };
                            /** @description the start of "today" (or the `since` asked) */
                            since: number;
                        };
                    };
                };
                /** @description Invalid input: the body names the field */
                400: {
                    headers: {
                        "X-Request-Id": components["headers"]["RequestId"];
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                401: components["responses"]["Unauthorized"];
                403: components["responses"]["Forbidden"];
                429: components["responses"]["RateLimited"];
                500: components["responses"]["InternalError"];
                503: components["responses"]["NotProjectedYet"];
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/admin/live-stats": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Live-stream connections of this process, and how many ended or were cut off
         * @description **Roles:** admin (with a key for all accounts).
         */
        get: {
            parameters: {
                query?: {
                    /** @description Answer only once the read models include this stream sequence (the `seq` an action returned); waits up to 5 s, else 503 */
                    min_seq?: components["parameters"]["MinSeq"];
                };
                header?: {
                    /** @description Your id for this request (up to 128 of A-Z a-z 0-9 _ - =); returned, and on every log line of the request. A new one is made when absent or malformed. */
                    "x-request-id"?: components["parameters"]["RequestId"];
                };
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Counters since the process started */
                200: {
                    headers: {
                        "X-Request-Id": components["headers"]["RequestId"];
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["LiveStats"];
                    };
                };
                400: components["responses"]["InvalidRequest"];
                401: components["responses"]["Unauthorized"];
                403: components["responses"]["Forbidden"];
                429: components["responses"]["RateLimited"];
                500: components["responses"]["InternalError"];
                503: components["responses"]["NotProjectedYet"];
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/admin/rejected-events": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Events on the log that failed validation, in sequence order
         * @description **Roles:** admin (with a key for all accounts).
         */
        get: {
            parameters: {
                query?: {
                    after_seq?: number | null;
                    /** @description how many at most (1–1000, default 100) */
                    limit?: number;
                    /** @description Answer only once the read models include this stream sequence (the `seq` an action returned); waits up to 5 s, else 503 */
                    min_seq?: components["parameters"]["MinSeq"];
                };
                header?: {
                    /** @description Your id for this request (up to 128 of A-Z a-z 0-9 _ - =); returned, and on every log line of the request. A new one is made when absent or malformed. */
                    "x-request-id"?: components["parameters"]["RequestId"];
                };
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description A page of rejected events */
                200: {
                    headers: {
                        "X-Request-Id": components["headers"]["RequestId"];
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            has_more: boolean;
                            rejected_events: components["schemas"]["RejectedEvent"][];
                        };
                    };
                };
                /** @description Invalid input: the body names the field */
                400: {
                    headers: {
                        "X-Request-Id": components["headers"]["RequestId"];
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                401: components["responses"]["Unauthorized"];
                403: components["responses"]["Forbidden"];
                429: components["responses"]["RateLimited"];
                500: components["responses"]["InternalError"];
                503: components["responses"]["NotProjectedYet"];
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/audit/chain": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The audit hash chain: the hash at one sequence, or the stored checkpoints
         * @description **Roles:** auditor, admin (with a key for all accounts).
         */
        get: {
            parameters: {
                query?: {
                    /** @description without seq: checkpoints after this sequence */
                    after_seq?: string;
                    /** @description how many at most (1–1000, default 100) */
                    limit?: number;
                    /** @description Answer only once the read models include this stream sequence (the `seq` an action returned); waits up to 5 s, else 503 */
                    min_seq?: components["parameters"]["MinSeq"];
                    /** @description with PARTITIONS > 1: the partition whose stream to read (an account_id or conversation_id implies it); sequences are of that stream */
                    partition?: string;
                    /** @description the sequence whose hash to give */
                    seq?: string;
                };
                header?: {
                    /** @description Your id for this request (up to 128 of A-Z a-z 0-9 _ - =); returned, and on every log line of the request. A new one is made when absent or malformed. */
                    "x-request-id"?: components["parameters"]["RequestId"];
                };
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The hash at `seq`, or a page of checkpoints */
                200: {
                    headers: {
                        "X-Request-Id": components["headers"]["RequestId"];
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            checkpoint: {
                                hash: string;
                                log_matches: boolean;
                                seq: number;
                            } | null;
                            checkpoint_every: number;
                            hash: string;
                            head: {
                                hash: string;
                                seq: number;
                            };
                            prev_hash: string;
                            seq: number;
                            stored_at: number;
                            subject: string;
                        } | {
                            checkpoint_every: number;
                            checkpoints: {
                                hash: string;
                                seq: number;
                            }[];
                            has_more: boolean;
                            head: {
                                hash: string;
                                seq: number;
                            };
                        };
                    };
                };
                /** @description Invalid input: the body names the field */
                400: {
                    headers: {
                        "X-Request-Id": components["headers"]["RequestId"];
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                401: components["responses"]["Unauthorized"];
                403: components["responses"]["Forbidden"];
                /** @description Not found */
                404: {
                    headers: {
                        "X-Request-Id": components["headers"]["RequestId"];
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description The chain has not reached that sequence yet */
                409: {
                    headers: {
                        "X-Request-Id": components["headers"]["RequestId"];
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                429: components["responses"]["RateLimited"];
                500: components["responses"]["InternalError"];
                503: components["responses"]["NotProjectedYet"];
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/audit/events": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The raw history: stored events exactly as stored, in sequence order
         * @description **Roles:** auditor, admin.
         *
         *     JSON pages (`limit`, continue from `next_from_seq` while `has_more`), or with `Accept: application/x-ndjson` the whole range streamed as an export carrying the hash chain (see the README).
         */
        get: {
            parameters: {
                query?: {
                    /** @description a monitored account: its platform id, e.g. dy_10001 */
                    account_id?: string;
                    /** @description events naming this conversation */
                    conversation_id?: string;
                    /** @description first stream sequence (default 1) */
                    from_seq?: string;
                    /** @description most events in a JSON page (NDJSON streams the whole range) */
                    limit?: number;
                    /** @description Answer only once the read models include this stream sequence (the `seq` an action returned); waits up to 5 s, else 503 */
                    min_seq?: components["parameters"]["MinSeq"];
                    /** @description with PARTITIONS > 1: the partition whose stream to read (an account_id or conversation_id implies it); sequences are of that stream */
                    partition?: string;
                    /** @description last stream sequence, inclusive (default: the end of the stream) */
                    to_seq?: string;
                    /** @description event type; repeat for several */
                    type?: ("MessageCaptured" | "MessageEdited" | "MessageRecalled" | "ConversationPinned" | "ConversationUnpinned" | "ConversationArchived" | "ConversationUnarchived" | "ConversationMuted" | "ConversationTagged" | "ConversationUntagged" | "UserBlocked" | "UserUnblocked" | "MessagesMarkedRead" | "UserProfileObserved" | "AccountRegistered" | "AccountUpdated" | "AccountRemoved" | "ReplyRequested" | "ReplySucceeded" | "ReplyFailed" | "ReplyExpired" | "ApiKeyCreated" | "ApiKeyRevoked") | ("MessageCaptured" | "MessageEdited" | "MessageRecalled" | "ConversationPinned" | "ConversationUnpinned" | "ConversationArchived" | "ConversationUnarchived" | "ConversationMuted" | "ConversationTagged" | "ConversationUntagged" | "UserBlocked" | "UserUnblocked" | "MessagesMarkedRead" | "UserProfileObserved" | "AccountRegistered" | "AccountUpdated" | "AccountRemoved" | "ReplyRequested" | "ReplySucceeded" | "ReplyFailed" | "ReplyExpired" | "ApiKeyCreated" | "ApiKeyRevoked")[];
                };
                header?: {
                    /** @description Your id for this request (up to 128 of A-Z a-z 0-9 _ - =); returned, and on every log line of the request. A new one is made when absent or malformed. */
                    "x-request-id"?: components["parameters"]["RequestId"];
                };
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description A page, or the export stream */
                200: {
                    headers: {
                        "X-Request-Id": components["headers"]["RequestId"];
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            events: components["schemas"]["StoredEvent"][];
                            has_more: boolean;
                            next_from_seq: number;
                            to_seq: number;
                        };
                        "application/x-ndjson": string;
                    };
                };
                /** @description Invalid input: the body names the field */
                400: {
                    headers: {
                        "X-Request-Id": components["headers"]["RequestId"];
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                401: components["responses"]["Unauthorized"];
                403: components["responses"]["Forbidden"];
                /** @description Not found */
                404: {
                    headers: {
                        "X-Request-Id": components["headers"]["RequestId"];
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                429: components["responses"]["RateLimited"];
                500: components["responses"]["InternalError"];
                503: components["responses"]["NotProjectedYet"];
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/audit/messages/{id}/timeline": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Every event that changed one message, in log order, as stored
         * @description **Roles:** auditor, admin.
         */
        get: {
            parameters: {
                query?: {
                    /** @description Answer only once the read models include this stream sequence (the `seq` an action returned); waits up to 5 s, else 503 */
                    min_seq?: components["parameters"]["MinSeq"];
                };
                header?: {
                    /** @description Your id for this request (up to 128 of A-Z a-z 0-9 _ - =); returned, and on every log line of the request. A new one is made when absent or malformed. */
                    "x-request-id"?: components["parameters"]["RequestId"];
                };
                path: {
                    /** @description a message id (m_…) as the API returns it */
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The events, oldest first */
                200: {
                    headers: {
                        "X-Request-Id": components["headers"]["RequestId"];
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["MessageTimeline"];
                    };
                };
                /** @description Invalid input: the body names the field */
                400: {
                    headers: {
                        "X-Request-Id": components["headers"]["RequestId"];
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                401: components["responses"]["Unauthorized"];
                403: components["responses"]["Forbidden"];
                /** @description Not found */
                404: {
                    headers: {
                        "X-Request-Id": components["headers"]["RequestId"];
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                429: components["responses"]["RateLimited"];
                500: components["responses"]["InternalError"];
                503: components["responses"]["NotProjectedYet"];
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/blocked-users": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * An account's blocked users
         * @description **Roles:** reader, operator, auditor, admin.
         */
        get: {
            parameters: {
                query: {
                    /** @description a monitored account: its platform id, e.g. dy_10001 */
                    account_id: string;
                    /** @description Answer only once the read models include this stream sequence (the `seq` an action returned); waits up to 5 s, else 503 */
                    min_seq?: components["parameters"]["MinSeq"];
                };
                header?: {
                    /** @description Your id for this request (up to 128 of A-Z a-z 0-9 _ - =); returned, and on every log line of the request. A new one is made when absent or malformed. */
                    "x-request-id"?: components["parameters"]["RequestId"];
                };
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Most recently blocked first */
                200: {
                    headers: {
                        "X-Request-Id": components["headers"]["RequestId"];
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            blocked_users: {
                                avatar: string | null;
                                blocked_at: number;
                                blocked_by: string | null;
                                name: string | null;
                                platform_user_id: string;
                            }[];
                        };
                    };
                };
                /** @description Invalid input: the body names the field */
                400: {
                    headers: {
                        "X-Request-Id": components["headers"]["RequestId"];
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                401: components["responses"]["Unauthorized"];
                403: components["responses"]["Forbidden"];
                429: components["responses"]["RateLimited"];
                500: components["responses"]["InternalError"];
                503: components["responses"]["NotProjectedYet"];
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/comments": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Comments only
         * @description **Roles:** reader, operator, auditor, admin.
         */
        get: {
            parameters: {
                query?: {
                    /** @description a monitored account: its platform id, e.g. dy_10001 */
                    account_id?: string;
                    before?: string;
                    channel?: "direct" | "comment";
                    /** @description a conversation id (c_…) as the API returns it */
                    conversation_id?: string;
                    /** @description true or false (1 or 0) */
                    include_recalled?: "0" | "1" | "true" | "false";
                    /** @description how many at most (1–500, default 50) */
                    limit?: number;
                    /** @description Answer only once the read models include this stream sequence (the `seq` an action returned); waits up to 5 s, else 503 */
                    min_seq?: components["parameters"]["MinSeq"];
                };
                header?: {
                    /** @description Your id for this request (up to 128 of A-Z a-z 0-9 _ - =); returned, and on every log line of the request. A new one is made when absent or malformed. */
                    "x-request-id"?: components["parameters"]["RequestId"];
                };
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description A page, newest first */
                200: {
                    headers: {
                        "X-Request-Id": components["headers"]["RequestId"];
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["MessagePage"];
                    };
                };
                /** @description Invalid input: the body names the field */
                400: {
                    headers: {
                        "X-Request-Id": components["headers"]["RequestId"];
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                401: components["responses"]["Unauthorized"];
                403: components["responses"]["Forbidden"];
                429: components["responses"]["RateLimited"];
                500: components["responses"]["InternalError"];
                503: components["responses"]["NotProjectedYet"];
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/conversations": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Conversations: pinned first, then by the chosen sort; filters by status, tag, pin and text
         * @description **Roles:** reader, operator, auditor, admin.
         */
        get: {
            parameters: {
                query?: {
                    /** @description a monitored account: its platform id, e.g. dy_10001 */
                    account_id?: string;
                    /** @description how many at most (1–200, default 50) */
                    limit?: number;
                    /** @description Answer only once the read models include this stream sequence (the `seq` an action returned); waits up to 5 s, else 503 */
                    min_seq?: components["parameters"]["MinSeq"];
                    /** @description how many to skip (for the next page: offset + limit) */
                    offset?: number | null;
                    order?: "asc" | "desc";
                    /** @description true or false (1 or 0) */
                    pinned?: "0" | "1" | "true" | "false";
                    search?: string;
                    sort_by?: "last_message_time" | "unread_count" | "name";
                    status?: "active" | "archived" | "blocked";
                    tag?: string;
                };
                header?: {
                    /** @description Your id for this request (up to 128 of A-Z a-z 0-9 _ - =); returned, and on every log line of the request. A new one is made when absent or malformed. */
                    "x-request-id"?: components["parameters"]["RequestId"];
                };
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description A page of conversations */
                200: {
                    headers: {
                        "X-Request-Id": components["headers"]["RequestId"];
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            conversations: components["schemas"]["Conversation"][];
                            total: number;
                            unread_total: number;
                        };
                    };
                };
                /** @description Invalid input: the body names the field */
                400: {
                    headers: {
                        "X-Request-Id": components["headers"]["RequestId"];
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                401: components["responses"]["Unauthorized"];
                403: components["responses"]["Forbidden"];
                429: components["responses"]["RateLimited"];
                500: components["responses"]["InternalError"];
                503: components["responses"]["NotProjectedYet"];
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/conversations/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * One conversation
         * @description **Roles:** reader, operator, auditor, admin.
         */
        get: {
            parameters: {
                query?: {
                    /** @description Answer only once the read models include this stream sequence (the `seq` an action returned); waits up to 5 s, else 503 */
                    min_seq?: components["parameters"]["MinSeq"];
                };
                header?: {
                    /** @description Your id for this request (up to 128 of A-Z a-z 0-9 _ - =); returned, and on every log line of the request. A new one is made when absent or malformed. */
                    "x-request-id"?: components["parameters"]["RequestId"];
                };
                path: {
                    /** @description a conversation id (c_…) as the API returns it */
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The conversation */
                200: {
                    headers: {
                        "X-Request-Id": components["headers"]["RequestId"];
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Conversation"];
                    };
                };
                /** @description Invalid input: the body names the field */
                400: {
                    headers: {
                        "X-Request-Id": components["headers"]["RequestId"];
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                401: components["responses"]["Unauthorized"];
                403: components["responses"]["Forbidden"];
                /** @description Not found */
                404: {
                    headers: {
                        "X-Request-Id": components["headers"]["RequestId"];
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                429: components["responses"]["RateLimited"];
                500: components["responses"]["InternalError"];
                503: components["responses"]["NotProjectedYet"];
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        /**
         * Archive or unarchive, mute (until a time) or unmute (null)
         * @description **Roles:** operator, admin.
         */
        patch: {
            parameters: {
                query?: never;
                header?: {
                    /** @description Your id for this request (up to 128 of A-Z a-z 0-9 _ - =); returned, and on every log line of the request. A new one is made when absent or malformed. */
                    "x-request-id"?: components["parameters"]["RequestId"];
                };
                path: {
                    /** @description a conversation id (c_…) as the API returns it */
                    id: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        is_archived?: boolean;
                        mute_until?: number | null;
                    };
                };
            };
            responses: {
                /** @description Done: the event is projected; the conversation as it is now */
                200: {
                    headers: {
                        "X-Request-Id": components["headers"]["RequestId"];
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ConversationActionResult"];
                    };
                };
                /** @description Appended but not yet projected: read with min_seq=seq */
                202: {
                    headers: {
                        "X-Request-Id": components["headers"]["RequestId"];
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ActionAccepted"];
                    };
                };
                /** @description Invalid input: the body names the field */
                400: {
                    headers: {
                        "X-Request-Id": components["headers"]["RequestId"];
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                401: components["responses"]["Unauthorized"];
                403: components["responses"]["Forbidden"];
                /** @description Not found */
                404: {
                    headers: {
                        "X-Request-Id": components["headers"]["RequestId"];
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                413: components["responses"]["PayloadTooLarge"];
                429: components["responses"]["RateLimited"];
                500: components["responses"]["InternalError"];
            };
        };
        trace?: never;
    };
    "/api/v1/conversations/{id}/pin": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Pin a conversation
         * @description **Roles:** operator, admin.
         */
        post: {
            parameters: {
                query?: never;
                header?: {
                    /** @description Your id for this request (up to 128 of A-Z a-z 0-9 _ - =); returned, and on every log line of the request. A new one is made when absent or malformed. */
                    "x-request-id"?: components["parameters"]["RequestId"];
                };
                path: {
                    /** @description a conversation id (c_…) as the API returns it */
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Done: the event is projected; the conversation as it is now */
                200: {
                    headers: {
                        "X-Request-Id": components["headers"]["RequestId"];
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ConversationActionResult"];
                    };
                };
                /** @description Appended but not yet projected: read with min_seq=seq */
                202: {
                    headers: {
                        "X-Request-Id": components["headers"]["RequestId"];
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ActionAccepted"];
                    };
                };
                /** @description Invalid input: the body names the field */
                400: {
                    headers: {
                        "X-Request-Id": components["headers"]["RequestId"];
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                401: components["responses"]["Unauthorized"];
                403: components["responses"]["Forbidden"];
                /** @description Not found */
                404: {
                    headers: {
                        "X-Request-Id": components["headers"]["RequestId"];
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                429: components["responses"]["RateLimited"];
                500: components["responses"]["InternalError"];
            };
        };
        /**
         * Unpin a conversation
         * @description **Roles:** operator, admin.
         */
        delete: {
            parameters: {
                query?: never;
                header?: {
                    /** @description Your id for this request (up to 128 of A-Z a-z 0-9 _ - =); returned, and on every log line of the request. A new one is made when absent or malformed. */
                    "x-request-id"?: components["parameters"]["RequestId"];
                };
                path: {
                    /** @description a conversation id (c_…) as the API returns it */
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Done: the event is projected; the conversation as it is now */
                200: {
                    headers: {
                        "X-Request-Id": components["headers"]["RequestId"];
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ConversationActionResult"];
                    };
                };
                /** @description Appended but not yet projected: read with min_seq=seq */
                202: {
                    headers: {
                        "X-Request-Id": components["headers"]["RequestId"];
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ActionAccepted"];
                    };
                };
                /** @description Invalid input: the body names the field */
                400: {
                    headers: {
                        "X-Request-Id": components["headers"]["RequestId"];
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                401: components["responses"]["Unauthorized"];
                403: components["responses"]["Forbidden"];
                /** @description Not found */
                404: {
                    headers: {
                        "X-Request-Id": components["headers"]["RequestId"];
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                429: components["responses"]["RateLimited"];
                500: components["responses"]["InternalError"];
            };
        };
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/conversations/{id}/tags": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Add tags (trimmed, 1-32 characters, at most 20 a conversation)
         * @description **Roles:** operator, admin.
         */
        post: {
            parameters: {
                query?: never;
                header?: {
                    /** @description Your id for this request (up to 128 of A-Z a-z 0-9 _ - =); returned, and on every log line of the request. A new one is made when absent or malformed. */
                    "x-request-id"?: components["parameters"]["RequestId"];
                };
                path: {
                    /** @description a conversation id (c_…) as the API returns it */
                    id: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        tags: string[];
                    };
                };
            };
            responses: {
                /** @description Done: the event is projected; the conversation as it is now */
                200: {
                    headers: {
                        "X-Request-Id": components["headers"]["RequestId"];
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ConversationActionResult"];
                    };
                };
                /** @description Appended but not yet projected: read with min_seq=seq */
                202: {
                    headers: {
                        "X-Request-Id": components["headers"]["RequestId"];
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ActionAccepted"];
                    };
                };
                /** @description Invalid input: the body names the field */
                400: {
                    headers: {
                        "X-Request-Id": components["headers"]["RequestId"];
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                401: components["responses"]["Unauthorized"];
                403: components["responses"]["Forbidden"];
                /** @description Not found */
                404: {
                    headers: {
                        "X-Request-Id": components["headers"]["RequestId"];
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                413: components["responses"]["PayloadTooLarge"];
                429: components["responses"]["RateLimited"];
                500: components["responses"]["InternalError"];
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/conversations/{id}/tags/{tag}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /**
         * Remove a tag
         * @description **Roles:** operator, admin.
         */
        delete: {
            parameters: {
                query?: never;
                header?: {
                    /** @description Your id for this request (up to 128 of A-Z a-z 0-9 _ - =); returned, and on every log line of the request. A new one is made when absent or malformed. */
                    "x-request-id"?: components["parameters"]["RequestId"];
                };
                path: {
                    /** @description a conversation id (c_…) as the API returns it */
                    id: string;
                    tag: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Done: the event is projected; the conversation as it is now */
                200: {
                    headers: {
                        "X-Request-Id": components["headers"]["RequestId"];
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ConversationActionResult"];
                    };
                };
                /** @description Appended but not yet projected: read with min_seq=seq */
                202: {
                    headers: {
                        "X-Request-Id": components["headers"]["RequestId"];
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ActionAccepted"];
                    };
                };
                /** @description Invalid input: the body names the field */
                400: {
                    headers: {
                        "X-Request-Id": components["headers"]["RequestId"];
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                401: components["responses"]["Unauthorized"];
                403: components["responses"]["Forbidden"];
                /** @description Not found */
                404: {
                    headers: {
                        "X-Request-Id": components["headers"]["RequestId"];
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                429: components["responses"]["RateLimited"];
                500: components["responses"]["InternalError"];
            };
        };
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/conversations/search": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Conversations whose friend's name or messages match
         * @description **Roles:** reader, operator, auditor, admin.
         */
        get: {
            parameters: {
                query: {
                    /** @description a monitored account: its platform id, e.g. dy_10001 */
                    account_id: string;
                    /** @description how many at most (1–100, default 20) */
                    limit?: number;
                    /** @description Answer only once the read models include this stream sequence (the `seq` an action returned); waits up to 5 s, else 503 */
                    min_seq?: components["parameters"]["MinSeq"];
                    /** @description how many to skip (for the next page: offset + limit) */
                    offset?: number | null;
                    q: string;
                };
                header?: {
                    /** @description Your id for this request (up to 128 of A-Z a-z 0-9 _ - =); returned, and on every log line of the request. A new one is made when absent or malformed. */
                    "x-request-id"?: components["parameters"]["RequestId"];
                };
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Conversations, most matching messages first */
                200: {
                    headers: {
                        "X-Request-Id": components["headers"]["RequestId"];
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            conversations: (components["schemas"]["Conversation"] & {
                                matching_messages: number;
                                name_match: boolean;
                            })[];
                        };
                    };
                };
                /** @description Invalid input: the body names the field */
                400: {
                    headers: {
                        "X-Request-Id": components["headers"]["RequestId"];
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                401: components["responses"]["Unauthorized"];
                403: components["responses"]["Forbidden"];
                429: components["responses"]["RateLimited"];
                500: components["responses"]["InternalError"];
                503: components["responses"]["NotProjectedYet"];
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/conversations/unread/summary": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Unread totals of an account (muted, archived and blocked conversations are left out of the total)
         * @description **Roles:** reader, operator, auditor, admin.
         */
        get: {
            parameters: {
                query: {
                    /** @description a monitored account: its platform id, e.g. dy_10001 */
                    account_id: string;
                    /** @description how many at most (1–1000, default 100) */
                    limit?: number;
                    /** @description Answer only once the read models include this stream sequence (the `seq` an action returned); waits up to 5 s, else 503 */
                    min_seq?: components["parameters"]["MinSeq"];
                };
                header?: {
                    /** @description Your id for this request (up to 128 of A-Z a-z 0-9 _ - =); returned, and on every log line of the request. A new one is made when absent or malformed. */
                    "x-request-id"?: components["parameters"]["RequestId"];
                };
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Unread state */
                200: {
                    headers: {
                        "X-Request-Id": components["headers"]["RequestId"];
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["UnreadSummary"];
                    };
                };
                /** @description Invalid input: the body names the field */
                400: {
                    headers: {
                        "X-Request-Id": components["headers"]["RequestId"];
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                401: components["responses"]["Unauthorized"];
                403: components["responses"]["Forbidden"];
                429: components["responses"]["RateLimited"];
                500: components["responses"]["InternalError"];
                503: components["responses"]["NotProjectedYet"];
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/devices": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The account’s devices, with their cursor, lag and when they were last seen
         * @description **Roles:** reader, operator, auditor, admin.
         */
        get: {
            parameters: {
                query: {
                    /** @description a monitored account: its platform id, e.g. dy_10001 */
                    account_id: string;
                    /** @description Answer only once the read models include this stream sequence (the `seq` an action returned); waits up to 5 s, else 503 */
                    min_seq?: components["parameters"]["MinSeq"];
                };
                header?: {
                    /** @description Your id for this request (up to 128 of A-Z a-z 0-9 _ - =); returned, and on every log line of the request. A new one is made when absent or malformed. */
                    "x-request-id"?: components["parameters"]["RequestId"];
                };
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Devices, most recently seen first */
                200: {
                    headers: {
                        "X-Request-Id": components["headers"]["RequestId"];
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            devices: (components["schemas"]["DeviceCursor"] & {
                                /** @description live-stream events still to fetch (counted up to 10000) */
                                lag_events: number;
                            })[];
                        };
                    };
                };
                /** @description Invalid input: the body names the field */
                400: {
                    headers: {
                        "X-Request-Id": components["headers"]["RequestId"];
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                401: components["responses"]["Unauthorized"];
                403: components["responses"]["Forbidden"];
                429: components["responses"]["RateLimited"];
                500: components["responses"]["InternalError"];
                503: components["responses"]["NotProjectedYet"];
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/direct-messages": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Direct messages only
         * @description **Roles:** reader, operator, auditor, admin.
         */
        get: {
            parameters: {
                query?: {
                    /** @description a monitored account: its platform id, e.g. dy_10001 */
                    account_id?: string;
                    before?: string;
                    channel?: "direct" | "comment";
                    /** @description a conversation id (c_…) as the API returns it */
                    conversation_id?: string;
                    /** @description true or false (1 or 0) */
                    include_recalled?: "0" | "1" | "true" | "false";
                    /** @description how many at most (1–500, default 50) */
                    limit?: number;
                    /** @description Answer only once the read models include this stream sequence (the `seq` an action returned); waits up to 5 s, else 503 */
                    min_seq?: components["parameters"]["MinSeq"];
                };
                header?: {
                    /** @description Your id for this request (up to 128 of A-Z a-z 0-9 _ - =); returned, and on every log line of the request. A new one is made when absent or malformed. */
                    "x-request-id"?: components["parameters"]["RequestId"];
                };
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description A page, newest first */
                200: {
                    headers: {
                        "X-Request-Id": components["headers"]["RequestId"];
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["MessagePage"];
                    };
                };
                /** @description Invalid input: the body names the field */
                400: {
                    headers: {
                        "X-Request-Id": components["headers"]["RequestId"];
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                401: components["responses"]["Unauthorized"];
                403: components["responses"]["Forbidden"];
                429: components["responses"]["RateLimited"];
                500: components["responses"]["InternalError"];
                503: components["responses"]["NotProjectedYet"];
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/messages": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Messages (DMs and comments), keyset-paginated newest first
         * @description **Roles:** reader, operator, auditor, admin.
         */
        get: {
            parameters: {
                query?: {
                    /** @description a monitored account: its platform id, e.g. dy_10001 */
                    account_id?: string;
                    before?: string;
                    channel?: "direct" | "comment";
                    /** @description a conversation id (c_…) as the API returns it */
                    conversation_id?: string;
                    /** @description true or false (1 or 0) */
                    include_recalled?: "0" | "1" | "true" | "false";
                    /** @description how many at most (1–500, default 50) */
                    limit?: number;
                    /** @description Answer only once the read models include this stream sequence (the `seq` an action returned); waits up to 5 s, else 503 */
                    min_seq?: components["parameters"]["MinSeq"];
                };
                header?: {
                    /** @description Your id for this request (up to 128 of A-Z a-z 0-9 _ - =); returned, and on every log line of the request. A new one is made when absent or malformed. */
                    "x-request-id"?: components["parameters"]["RequestId"];
                };
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description A page, newest first */
                200: {
                    headers: {
                        "X-Request-Id": components["headers"]["RequestId"];
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["MessagePage"];
                    };
                };
                /** @description Invalid input: the body names the field */
                400: {
                    headers: {
                        "X-Request-Id": components["headers"]["RequestId"];
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                401: components["responses"]["Unauthorized"];
                403: components["responses"]["Forbidden"];
                429: components["responses"]["RateLimited"];
                500: components["responses"]["InternalError"];
                503: components["responses"]["NotProjectedYet"];
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/messages/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * One message in its current state
         * @description **Roles:** reader, operator, auditor, admin.
         */
        get: {
            parameters: {
                query?: {
                    /** @description true or false (1 or 0) */
                    include_recalled?: "0" | "1" | "true" | "false";
                    /** @description Answer only once the read models include this stream sequence (the `seq` an action returned); waits up to 5 s, else 503 */
                    min_seq?: components["parameters"]["MinSeq"];
                };
                header?: {
                    /** @description Your id for this request (up to 128 of A-Z a-z 0-9 _ - =); returned, and on every log line of the request. A new one is made when absent or malformed. */
                    "x-request-id"?: components["parameters"]["RequestId"];
                };
                path: {
                    /** @description a message id (m_…) as the API returns it */
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The message */
                200: {
                    headers: {
                        "X-Request-Id": components["headers"]["RequestId"];
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Message"];
                    };
                };
                /** @description Invalid input: the body names the field */
                400: {
                    headers: {
                        "X-Request-Id": components["headers"]["RequestId"];
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                401: components["responses"]["Unauthorized"];
                403: components["responses"]["Forbidden"];
                /** @description Not found */
                404: {
                    headers: {
                        "X-Request-Id": components["headers"]["RequestId"];
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                429: components["responses"]["RateLimited"];
                500: components["responses"]["InternalError"];
                503: components["responses"]["NotProjectedYet"];
            };
        };
        /**
         * Correct an outbound message: appends a MessageEdited by the calling key
         * @description **Roles:** operator, admin.
         */
        put: {
            parameters: {
                query?: never;
                header?: {
                    /** @description Your id for this request (up to 128 of A-Z a-z 0-9 _ - =); returned, and on every log line of the request. A new one is made when absent or malformed. */
                    "x-request-id"?: components["parameters"]["RequestId"];
                };
                path: {
                    /** @description a message id (m_…) as the API returns it */
                    id: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        content: string;
                    };
                };
            };
            responses: {
                /** @description Edited: the event is projected; the message as it is now */
                200: {
                    headers: {
                        "X-Request-Id": components["headers"]["RequestId"];
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            message: components["schemas"]["Message"];
                            /** @enum {boolean} */
                            projected: true;
                            seq: number;
                        };
                    };
                };
                /** @description Appended but not yet projected: read with min_seq=seq */
                202: {
                    headers: {
                        "X-Request-Id": components["headers"]["RequestId"];
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @enum {boolean} */
                            projected: false;
                            seq: number;
                        };
                    };
                };
                /** @description Invalid input: the body names the field */
                400: {
                    headers: {
                        "X-Request-Id": components["headers"]["RequestId"];
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                401: components["responses"]["Unauthorized"];
                403: components["responses"]["Forbidden"];
                /** @description Not found */
                404: {
                    headers: {
                        "X-Request-Id": components["headers"]["RequestId"];
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description Refused in the message’s state: see the code */
                409: {
                    headers: {
                        "X-Request-Id": components["headers"]["RequestId"];
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                413: components["responses"]["PayloadTooLarge"];
                429: components["responses"]["RateLimited"];
                500: components["responses"]["InternalError"];
            };
        };
        post?: never;
        /**
         * Recall a message: appends a MessageRecalled by the calling key; again, answers the first
         * @description **Roles:** operator, admin.
         */
        delete: {
            parameters: {
                query?: never;
                header?: {
                    /** @description Your id for this request (up to 128 of A-Z a-z 0-9 _ - =); returned, and on every log line of the request. A new one is made when absent or malformed. */
                    "x-request-id"?: components["parameters"]["RequestId"];
                };
                path: {
                    /** @description a message id (m_…) as the API returns it */
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Recalled (now, or before: then nothing is appended and the first recall is the answer) */
                200: {
                    headers: {
                        "X-Request-Id": components["headers"]["RequestId"];
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            message: components["schemas"]["Message"];
                            /** @enum {boolean} */
                            projected: true;
                            recall: components["schemas"]["Recall"];
                            /** @description the recall's sequence */
                            seq: number;
                        };
                    };
                };
                /** @description Appended but not yet projected: read with min_seq=seq */
                202: {
                    headers: {
                        "X-Request-Id": components["headers"]["RequestId"];
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @enum {boolean} */
                            projected: false;
                            seq: number;
                        };
                    };
                };
                /** @description Invalid input: the body names the field */
                400: {
                    headers: {
                        "X-Request-Id": components["headers"]["RequestId"];
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                401: components["responses"]["Unauthorized"];
                403: components["responses"]["Forbidden"];
                /** @description Not found */
                404: {
                    headers: {
                        "X-Request-Id": components["headers"]["RequestId"];
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                429: components["responses"]["RateLimited"];
                500: components["responses"]["InternalError"];
            };
        };
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/messages/{id}/history": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Every version of a message: the original capture, then each edit
         * @description **Roles:** reader, operator, auditor, admin.
         */
        get: {
            parameters: {
                query?: {
                    /** @description true or false (1 or 0) */
                    include_recalled?: "0" | "1" | "true" | "false";
                    /** @description Answer only once the read models include this stream sequence (the `seq` an action returned); waits up to 5 s, else 503 */
                    min_seq?: components["parameters"]["MinSeq"];
                };
                header?: {
                    /** @description Your id for this request (up to 128 of A-Z a-z 0-9 _ - =); returned, and on every log line of the request. A new one is made when absent or malformed. */
                    "x-request-id"?: components["parameters"]["RequestId"];
                };
                path: {
                    /** @description a message id (m_…) as the API returns it */
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The versions, oldest first */
                200: {
                    headers: {
                        "X-Request-Id": components["headers"]["RequestId"];
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["MessageHistory"];
                    };
                };
                /** @description Invalid input: the body names the field */
                400: {
                    headers: {
                        "X-Request-Id": components["headers"]["RequestId"];
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                401: components["responses"]["Unauthorized"];
                403: components["responses"]["Forbidden"];
                /** @description Not found */
                404: {
                    headers: {
                        "X-Request-Id": components["headers"]["RequestId"];
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                429: components["responses"]["RateLimited"];
                500: components["responses"]["InternalError"];
                503: components["responses"]["NotProjectedYet"];
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/messages/{id}/read": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Mark one message read
         * @description **Roles:** operator, admin.
         */
        post: {
            parameters: {
                query?: never;
                header?: {
                    /** @description Your id for this request (up to 128 of A-Z a-z 0-9 _ - =); returned, and on every log line of the request. A new one is made when absent or malformed. */
                    "x-request-id"?: components["parameters"]["RequestId"];
                };
                path: {
                    /** @description a message id (m_…) as the API returns it */
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Marked */
                200: {
                    headers: {
                        "X-Request-Id": components["headers"]["RequestId"];
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["MarkReadResult"];
                    };
                };
                /** @description Appended, not yet projected */
                202: {
                    headers: {
                        "X-Request-Id": components["headers"]["RequestId"];
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["MarkReadResult"];
                    };
                };
                /** @description Invalid input: the body names the field */
                400: {
                    headers: {
                        "X-Request-Id": components["headers"]["RequestId"];
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                401: components["responses"]["Unauthorized"];
                403: components["responses"]["Forbidden"];
                /** @description Not found */
                404: {
                    headers: {
                        "X-Request-Id": components["headers"]["RequestId"];
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                429: components["responses"]["RateLimited"];
                500: components["responses"]["InternalError"];
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/messages/history/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Every version of a message: the original capture, then each edit
         * @description **Roles:** reader, operator, auditor, admin.
         */
        get: {
            parameters: {
                query?: {
                    /** @description true or false (1 or 0) */
                    include_recalled?: "0" | "1" | "true" | "false";
                    /** @description Answer only once the read models include this stream sequence (the `seq` an action returned); waits up to 5 s, else 503 */
                    min_seq?: components["parameters"]["MinSeq"];
                };
                header?: {
                    /** @description Your id for this request (up to 128 of A-Z a-z 0-9 _ - =); returned, and on every log line of the request. A new one is made when absent or malformed. */
                    "x-request-id"?: components["parameters"]["RequestId"];
                };
                path: {
                    /** @description a message id (m_…) as the API returns it */
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The versions, oldest first */
                200: {
                    headers: {
                        "X-Request-Id": components["headers"]["RequestId"];
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["MessageHistory"];
                    };
                };
                /** @description Invalid input: the body names the field */
                400: {
                    headers: {
                        "X-Request-Id": components["headers"]["RequestId"];
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                401: components["responses"]["Unauthorized"];
                403: components["responses"]["Forbidden"];
                /** @description Not found */
                404: {
                    headers: {
                        "X-Request-Id": components["headers"]["RequestId"];
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                429: components["responses"]["RateLimited"];
                500: components["responses"]["InternalError"];
                503: components["responses"]["NotProjectedYet"];
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/messages/mark-read": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        /**
         * Mark a whole conversation read up to a time, or some messages
         * @description **Roles:** operator, admin.
         */
        patch: {
            parameters: {
                query?: never;
                header?: {
                    /** @description Your id for this request (up to 128 of A-Z a-z 0-9 _ - =); returned, and on every log line of the request. A new one is made when absent or malformed. */
                    "x-request-id"?: components["parameters"]["RequestId"];
                };
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        /** @description a conversation id (c_…) as the API returns it */
                        conversation_id?: string;
                        message_ids?: string[];
                        read_at?: number;
                    };
                };
            };
            responses: {
                /** @description Marked */
                200: {
                    headers: {
                        "X-Request-Id": components["headers"]["RequestId"];
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["MarkReadResult"];
                    };
                };
                /** @description Appended, not yet projected */
                202: {
                    headers: {
                        "X-Request-Id": components["headers"]["RequestId"];
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["MarkReadResult"];
                    };
                };
                /** @description Invalid input: the body names the field */
                400: {
                    headers: {
                        "X-Request-Id": components["headers"]["RequestId"];
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                401: components["responses"]["Unauthorized"];
                403: components["responses"]["Forbidden"];
                /** @description Not found */
                404: {
                    headers: {
                        "X-Request-Id": components["headers"]["RequestId"];
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                413: components["responses"]["PayloadTooLarge"];
                429: components["responses"]["RateLimited"];
                500: components["responses"]["InternalError"];
            };
        };
        trace?: never;
    };
    "/api/v1/messages/search": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Full-text search over messages (Chinese substrings, Latin word prefixes), with filters
         * @description **Roles:** reader, operator, auditor, admin.
         */
        post: {
            parameters: {
                query?: never;
                header?: {
                    /** @description Your id for this request (up to 128 of A-Z a-z 0-9 _ - =); returned, and on every log line of the request. A new one is made when absent or malformed. */
                    "x-request-id"?: components["parameters"]["RequestId"];
                };
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        /** @description a monitored account: its platform id, e.g. dy_10001 */
                        account_id?: string;
                        /** @enum {string} */
                        channel?: "direct" | "comment";
                        /** @description a conversation id (c_…) as the API returns it */
                        conversation_id?: string;
                        end_date?: number | string;
                        /** @description a monitored account: its platform id, e.g. dy_10001 */
                        from_user_id?: string;
                        /** @default 50 */
                        limit?: number;
                        /** @enum {string} */
                        message_type?: "text" | "image" | "video" | "file" | "sticker" | "other";
                        /** @default 0 */
                        offset?: number;
                        /** @default  */
                        query?: string;
                        /**
                         * @default relevance
                         * @enum {string}
                         */
                        sort?: "relevance" | "newest";
                        start_date?: number | string;
                    };
                };
            };
            responses: {
                /** @description Matching messages, best first (or newest first) */
                200: {
                    headers: {
                        "X-Request-Id": components["headers"]["RequestId"];
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            has_more: boolean;
                            messages: components["schemas"]["SearchHit"][];
                            /** @description the number of matches: exact, or an estimate when total_exact is false */
                            total: number;
                            /** @description false for a query common enough (thousands of matches) that its matches are not all read: total is then estimated from their density */
                            total_exact: boolean;
                        };
                    };
                };
                /** @description Invalid input: the body names the field */
                400: {
                    headers: {
                        "X-Request-Id": components["headers"]["RequestId"];
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                401: components["responses"]["Unauthorized"];
                403: components["responses"]["Forbidden"];
                413: components["responses"]["PayloadTooLarge"];
                429: components["responses"]["RateLimited"];
                500: components["responses"]["InternalError"];
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/messages/sync": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * The account’s changes after a cursor (a stream sequence), in order, a page at a time
         * @description **Roles:** reader, operator, auditor, admin.
         */
        get: {
            parameters: {
                query: {
                    /** @description a monitored account: its platform id, e.g. dy_10001 */
                    account_id: string;
                    /** @description the next_cursor of the previous page; 0 or absent: from the beginning */
                    cursor?: string;
                    /** @description without a cursor, resume from this device’s acknowledged cursor */
                    device_id?: string;
                    /** @description instead of cursor (older clients): from the first event stored at or after this time (epoch ms) */
                    last_sync_timestamp?: number | null;
                    /** @description most stream sequences in the page */
                    limit?: number;
                    /** @description Answer only once the read models include this stream sequence (the `seq` an action returned); waits up to 5 s, else 503 */
                    min_seq?: components["parameters"]["MinSeq"];
                };
                header?: {
                    /** @description Your id for this request (up to 128 of A-Z a-z 0-9 _ - =); returned, and on every log line of the request. A new one is made when absent or malformed. */
                    "x-request-id"?: components["parameters"]["RequestId"];
                };
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description A page of changes */
                200: {
                    headers: {
                        "X-Request-Id": components["headers"]["RequestId"];
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["SyncPage"];
                    };
                };
                /** @description Invalid input: the body names the field */
                400: {
                    headers: {
                        "X-Request-Id": components["headers"]["RequestId"];
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                401: components["responses"]["Unauthorized"];
                403: components["responses"]["Forbidden"];
                429: components["responses"]["RateLimited"];
                500: components["responses"]["InternalError"];
                503: components["responses"]["NotProjectedYet"];
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/messages/sync/ack": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Store how far a device has applied the changes (never moves back)
         * @description **Roles:** reader, operator, auditor, admin.
         */
        post: {
            parameters: {
                query?: never;
                header?: {
                    /** @description Your id for this request (up to 128 of A-Z a-z 0-9 _ - =); returned, and on every log line of the request. A new one is made when absent or malformed. */
                    "x-request-id"?: components["parameters"]["RequestId"];
                };
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        /** @description a monitored account: its platform id, e.g. dy_10001 */
                        account_id: string;
                        cursor: number;
                        /** @description a stable id the client picks for itself */
                        device_id: string;
                    };
                };
            };
            responses: {
                /** @description The stored position (the larger of this and the stored one) */
                200: {
                    headers: {
                        "X-Request-Id": components["headers"]["RequestId"];
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["DeviceCursor"];
                    };
                };
                /** @description Invalid input: the body names the field */
                400: {
                    headers: {
                        "X-Request-Id": components["headers"]["RequestId"];
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                401: components["responses"]["Unauthorized"];
                403: components["responses"]["Forbidden"];
                /** @description The cursor is past the projector */
                409: {
                    headers: {
                        "X-Request-Id": components["headers"]["RequestId"];
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                413: components["responses"]["PayloadTooLarge"];
                429: components["responses"]["RateLimited"];
                500: components["responses"]["InternalError"];
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/replies": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Replies, newest request first
         * @description **Roles:** reader, operator, auditor, admin.
         */
        get: {
            parameters: {
                query?: {
                    /** @description a monitored account: its platform id, e.g. dy_10001 */
                    account_id?: string;
                    /** @description how many at most (1–200, default 50) */
                    limit?: number;
                    /** @description Answer only once the read models include this stream sequence (the `seq` an action returned); waits up to 5 s, else 503 */
                    min_seq?: components["parameters"]["MinSeq"];
                    /** @description how many to skip (for the next page: offset + limit) */
                    offset?: number | null;
                    status?: "pending" | "sent" | "failed" | "expired";
                };
                header?: {
                    /** @description Your id for this request (up to 128 of A-Z a-z 0-9 _ - =); returned, and on every log line of the request. A new one is made when absent or malformed. */
                    "x-request-id"?: components["parameters"]["RequestId"];
                };
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description A page of replies */
                200: {
                    headers: {
                        "X-Request-Id": components["headers"]["RequestId"];
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            has_more: boolean;
                            replies: components["schemas"]["Reply"][];
                            total: number;
                        };
                    };
                };
                /** @description Invalid input: the body names the field */
                400: {
                    headers: {
                        "X-Request-Id": components["headers"]["RequestId"];
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                401: components["responses"]["Unauthorized"];
                403: components["responses"]["Forbidden"];
                429: components["responses"]["RateLimited"];
                500: components["responses"]["InternalError"];
                503: components["responses"]["NotProjectedYet"];
            };
        };
        put?: never;
        /**
         * Ask the account's worker to send a reply: appends ReplyRequested, once per Idempotency-Key
         * @description **Roles:** operator, admin.
         */
        post: {
            parameters: {
                query?: never;
                header: {
                    /** @description the client's key for this request; the same key again answers the same reply */
                    "idempotency-key": string;
                    /** @description Your id for this request (up to 128 of A-Z a-z 0-9 _ - =); returned, and on every log line of the request. A new one is made when absent or malformed. */
                    "x-request-id"?: components["parameters"]["RequestId"];
                };
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        /** @description a monitored account: its platform id, e.g. dy_10001 */
                        account_id: string;
                        /** @description reply under this comment (its platform_message_id) */
                        comment?: string;
                        content: string;
                        /** @description reply in this conversation (DM thread or video) */
                        conversation_id?: string;
                    };
                };
            };
            responses: {
                /** @description This key was used before: the same reply, as it is now (Idempotent-Replayed: true) */
                200: {
                    headers: {
                        "X-Request-Id": components["headers"]["RequestId"];
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ReplyActionResult"];
                    };
                };
                /** @description Requested: the reply, pending until a worker reports */
                201: {
                    headers: {
                        "X-Request-Id": components["headers"]["RequestId"];
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["ReplyActionResult"];
                    };
                };
                /** @description Appended but not yet projected: read it with min_seq=seq */
                202: {
                    headers: {
                        "X-Request-Id": components["headers"]["RequestId"];
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @enum {boolean} */
                            projected: false;
                            reply_id: string;
                            seq: number;
                        };
                    };
                };
                /** @description Invalid input: the body names the field */
                400: {
                    headers: {
                        "X-Request-Id": components["headers"]["RequestId"];
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                401: components["responses"]["Unauthorized"];
                403: components["responses"]["Forbidden"];
                /** @description Not found */
                404: {
                    headers: {
                        "X-Request-Id": components["headers"]["RequestId"];
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                /** @description idempotency_key_reused: the key named another request; message_recalled: the comment is recalled */
                409: {
                    headers: {
                        "X-Request-Id": components["headers"]["RequestId"];
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                413: components["responses"]["PayloadTooLarge"];
                429: components["responses"]["RateLimited"];
                500: components["responses"]["InternalError"];
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/replies/{replyId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * One reply: status, attempts, times
         * @description **Roles:** reader, operator, auditor, admin.
         */
        get: {
            parameters: {
                query?: {
                    /** @description Answer only once the read models include this stream sequence (the `seq` an action returned); waits up to 5 s, else 503 */
                    min_seq?: components["parameters"]["MinSeq"];
                };
                header?: {
                    /** @description Your id for this request (up to 128 of A-Z a-z 0-9 _ - =); returned, and on every log line of the request. A new one is made when absent or malformed. */
                    "x-request-id"?: components["parameters"]["RequestId"];
                };
                path: {
                    replyId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The reply */
                200: {
                    headers: {
                        "X-Request-Id": components["headers"]["RequestId"];
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Reply"];
                    };
                };
                /** @description Invalid input: the body names the field */
                400: {
                    headers: {
                        "X-Request-Id": components["headers"]["RequestId"];
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                401: components["responses"]["Unauthorized"];
                403: components["responses"]["Forbidden"];
                /** @description Not found */
                404: {
                    headers: {
                        "X-Request-Id": components["headers"]["RequestId"];
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                429: components["responses"]["RateLimited"];
                500: components["responses"]["InternalError"];
                503: components["responses"]["NotProjectedYet"];
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/replies/account/{accountId}/stats": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * An account's replies by status, and the median time from request to sent
         * @description **Roles:** reader, operator, auditor, admin.
         */
        get: {
            parameters: {
                query?: {
                    /** @description Answer only once the read models include this stream sequence (the `seq` an action returned); waits up to 5 s, else 503 */
                    min_seq?: components["parameters"]["MinSeq"];
                };
                header?: {
                    /** @description Your id for this request (up to 128 of A-Z a-z 0-9 _ - =); returned, and on every log line of the request. A new one is made when absent or malformed. */
                    "x-request-id"?: components["parameters"]["RequestId"];
                };
                path: {
                    /** @description a monitored account: its platform id, e.g. dy_10001 */
                    accountId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The counts */
                200: {
                    headers: {
                        "X-Request-Id": components["headers"]["RequestId"];
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            account_id: string;
                            by_status: {
                                expired: number;
                                failed: number;
                                pending: number;
                                sent: number;
                            };
                            median_time_to_sent_ms: number | null;
                            total: number;
                        };
                    };
                };
                /** @description Invalid input: the body names the field */
                400: {
                    headers: {
                        "X-Request-Id": components["headers"]["RequestId"];
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                401: components["responses"]["Unauthorized"];
                403: components["responses"]["Forbidden"];
                /** @description Not found */
                404: {
                    headers: {
                        "X-Request-Id": components["headers"]["RequestId"];
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                429: components["responses"]["RateLimited"];
                500: components["responses"]["InternalError"];
                503: components["responses"]["NotProjectedYet"];
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/stream": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Server-Sent Events of the account’s changes: a replay from the cursor, then live
         * @description **Roles:** reader, operator, auditor, admin.
         *
         *     Each event has `id:` = its stream sequence and is one of `message.created`, `message.edited`, `message.recalled`, `read`, `conversation.updated`; the data is the JSON of the sync page (`message`, `deleted_message_id`, `read`, `conversation`). `Last-Event-ID` (sent by EventSource when it reconnects) wins over `cursor`.
         */
        get: {
            parameters: {
                query: {
                    /** @description the API key, for clients that cannot send the Authorization header (EventSource); this route only, never logged */
                    access_token?: string;
                    /** @description a monitored account: its platform id, e.g. dy_10001 */
                    account_id: string;
                    cursor?: string;
                    /** @description Answer only once the read models include this stream sequence (the `seq` an action returned); waits up to 5 s, else 503 */
                    min_seq?: components["parameters"]["MinSeq"];
                };
                header?: {
                    "last-event-id"?: string;
                    /** @description Your id for this request (up to 128 of A-Z a-z 0-9 _ - =); returned, and on every log line of the request. A new one is made when absent or malformed. */
                    "x-request-id"?: components["parameters"]["RequestId"];
                };
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The event stream */
                200: {
                    headers: {
                        "X-Request-Id": components["headers"]["RequestId"];
                        [name: string]: unknown;
                    };
                    content: {
                        "text/event-stream": string;
                    };
                };
                /** @description Invalid input: the body names the field */
                400: {
                    headers: {
                        "X-Request-Id": components["headers"]["RequestId"];
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                401: components["responses"]["Unauthorized"];
                403: components["responses"]["Forbidden"];
                429: components["responses"]["RateLimited"];
                500: components["responses"]["InternalError"];
                503: components["responses"]["NotProjectedYet"];
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/tags": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Tags in use on an account's conversations, with counts
         * @description **Roles:** reader, operator, auditor, admin.
         */
        get: {
            parameters: {
                query: {
                    /** @description a monitored account: its platform id, e.g. dy_10001 */
                    account_id: string;
                    /** @description Answer only once the read models include this stream sequence (the `seq` an action returned); waits up to 5 s, else 503 */
                    min_seq?: components["parameters"]["MinSeq"];
                };
                header?: {
                    /** @description Your id for this request (up to 128 of A-Z a-z 0-9 _ - =); returned, and on every log line of the request. A new one is made when absent or malformed. */
                    "x-request-id"?: components["parameters"]["RequestId"];
                };
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Most used first */
                200: {
                    headers: {
                        "X-Request-Id": components["headers"]["RequestId"];
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            tags: {
                                count: number;
                                tag: string;
                            }[];
                        };
                    };
                };
                /** @description Invalid input: the body names the field */
                400: {
                    headers: {
                        "X-Request-Id": components["headers"]["RequestId"];
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                401: components["responses"]["Unauthorized"];
                403: components["responses"]["Forbidden"];
                429: components["responses"]["RateLimited"];
                500: components["responses"]["InternalError"];
                503: components["responses"]["NotProjectedYet"];
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/unread-summary": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Unread totals of an account (muted, archived and blocked conversations are left out of the total)
         * @description **Roles:** reader, operator, auditor, admin.
         */
        get: {
            parameters: {
                query: {
                    /** @description a monitored account: its platform id, e.g. dy_10001 */
                    account_id: string;
                    /** @description how many at most (1–1000, default 100) */
                    limit?: number;
                    /** @description Answer only once the read models include this stream sequence (the `seq` an action returned); waits up to 5 s, else 503 */
                    min_seq?: components["parameters"]["MinSeq"];
                };
                header?: {
                    /** @description Your id for this request (up to 128 of A-Z a-z 0-9 _ - =); returned, and on every log line of the request. A new one is made when absent or malformed. */
                    "x-request-id"?: components["parameters"]["RequestId"];
                };
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Unread state */
                200: {
                    headers: {
                        "X-Request-Id": components["headers"]["RequestId"];
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["UnreadSummary"];
                    };
                };
                /** @description Invalid input: the body names the field */
                400: {
                    headers: {
                        "X-Request-Id": components["headers"]["RequestId"];
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                401: components["responses"]["Unauthorized"];
                403: components["responses"]["Forbidden"];
                429: components["responses"]["RateLimited"];
                500: components["responses"]["InternalError"];
                503: components["responses"]["NotProjectedYet"];
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/users/{platform_user_id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * One platform user: the newest profile seen, with is_friend relative to account_id
         * @description **Roles:** reader, operator, auditor, admin.
         */
        get: {
            parameters: {
                query?: {
                    /** @description a monitored account: its platform id, e.g. dy_10001 */
                    account_id?: string;
                    /** @description Answer only once the read models include this stream sequence (the `seq` an action returned); waits up to 5 s, else 503 */
                    min_seq?: components["parameters"]["MinSeq"];
                };
                header?: {
                    /** @description Your id for this request (up to 128 of A-Z a-z 0-9 _ - =); returned, and on every log line of the request. A new one is made when absent or malformed. */
                    "x-request-id"?: components["parameters"]["RequestId"];
                };
                path: {
                    platform_user_id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The user */
                200: {
                    headers: {
                        "X-Request-Id": components["headers"]["RequestId"];
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["User"];
                    };
                };
                /** @description Invalid input: the body names the field */
                400: {
                    headers: {
                        "X-Request-Id": components["headers"]["RequestId"];
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                401: components["responses"]["Unauthorized"];
                403: components["responses"]["Forbidden"];
                /** @description Not found */
                404: {
                    headers: {
                        "X-Request-Id": components["headers"]["RequestId"];
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                429: components["responses"]["RateLimited"];
                500: components["responses"]["InternalError"];
                503: components["responses"]["NotProjectedYet"];
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/users/{platform_user_id}/block": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Block a user for one monitored account
         * @description **Roles:** operator, admin.
         */
        post: {
            parameters: {
                query: {
                    /** @description a monitored account: its platform id, e.g. dy_10001 */
                    account_id: string;
                };
                header?: {
                    /** @description Your id for this request (up to 128 of A-Z a-z 0-9 _ - =); returned, and on every log line of the request. A new one is made when absent or malformed. */
                    "x-request-id"?: components["parameters"]["RequestId"];
                };
                path: {
                    platform_user_id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Blocked */
                200: {
                    headers: {
                        "X-Request-Id": components["headers"]["RequestId"];
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["BlockActionResult"];
                    };
                };
                /** @description Appended, not yet projected */
                202: {
                    headers: {
                        "X-Request-Id": components["headers"]["RequestId"];
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["BlockActionResult"];
                    };
                };
                /** @description Invalid input: the body names the field */
                400: {
                    headers: {
                        "X-Request-Id": components["headers"]["RequestId"];
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                401: components["responses"]["Unauthorized"];
                403: components["responses"]["Forbidden"];
                /** @description Not found */
                404: {
                    headers: {
                        "X-Request-Id": components["headers"]["RequestId"];
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                429: components["responses"]["RateLimited"];
                500: components["responses"]["InternalError"];
            };
        };
        /**
         * Unblock a user for one monitored account
         * @description **Roles:** operator, admin.
         */
        delete: {
            parameters: {
                query: {
                    /** @description a monitored account: its platform id, e.g. dy_10001 */
                    account_id: string;
                };
                header?: {
                    /** @description Your id for this request (up to 128 of A-Z a-z 0-9 _ - =); returned, and on every log line of the request. A new one is made when absent or malformed. */
                    "x-request-id"?: components["parameters"]["RequestId"];
                };
                path: {
                    platform_user_id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Unblocked */
                200: {
                    headers: {
                        "X-Request-Id": components["headers"]["RequestId"];
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["BlockActionResult"];
                    };
                };
                /** @description Appended, not yet projected */
                202: {
                    headers: {
                        "X-Request-Id": components["headers"]["RequestId"];
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["BlockActionResult"];
                    };
                };
                /** @description Invalid input: the body names the field */
                400: {
                    headers: {
                        "X-Request-Id": components["headers"]["RequestId"];
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                401: components["responses"]["Unauthorized"];
                403: components["responses"]["Forbidden"];
                /** @description Not found */
                404: {
                    headers: {
                        "X-Request-Id": components["headers"]["RequestId"];
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                429: components["responses"]["RateLimited"];
                500: components["responses"]["InternalError"];
            };
        };
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/users/batch": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Up to 500 users in one look-up
         * @description **Roles:** reader, operator, auditor, admin.
         */
        post: {
            parameters: {
                query?: never;
                header?: {
                    /** @description Your id for this request (up to 128 of A-Z a-z 0-9 _ - =); returned, and on every log line of the request. A new one is made when absent or malformed. */
                    "x-request-id"?: components["parameters"]["RequestId"];
                };
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        /** @description a monitored account: its platform id, e.g. dy_10001 */
                        account_id?: string;
                        user_ids: string[];
                    };
                };
            };
            responses: {
                /** @description The users found and the ids not found */
                200: {
                    headers: {
                        "X-Request-Id": components["headers"]["RequestId"];
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @description ids no worker has seen */
                            missing: string[];
                            /** @description in the order asked, each once */
                            users: components["schemas"]["User"][];
                        };
                    };
                };
                /** @description Invalid input: the body names the field */
                400: {
                    headers: {
                        "X-Request-Id": components["headers"]["RequestId"];
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
                401: components["responses"]["Unauthorized"];
                403: components["responses"]["Forbidden"];
                413: components["responses"]["PayloadTooLarge"];
                429: components["responses"]["RateLimited"];
                500: components["responses"]["InternalError"];
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/docs": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Interactive API reference (Scalar), served entirely by this service: it works offline */
        get: {
            parameters: {
                query?: never;
                header?: {
                    /** @description Your id for this request (up to 128 of A-Z a-z 0-9 _ - =); returned, and on every log line of the request. A new one is made when absent or malformed. */
                    "x-request-id"?: components["parameters"]["RequestId"];
                };
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The reference page */
                200: {
                    headers: {
                        "X-Request-Id": components["headers"]["RequestId"];
                        [name: string]: unknown;
                    };
                    content: {
                        "text/html": string;
                    };
                };
                500: components["responses"]["InternalError"];
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/docs/scalar.js": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The reference page's script (the standalone build of @scalar/api-reference) */
        get: {
            parameters: {
                query?: never;
                header?: {
                    /** @description Your id for this request (up to 128 of A-Z a-z 0-9 _ - =); returned, and on every log line of the request. A new one is made when absent or malformed. */
                    "x-request-id"?: components["parameters"]["RequestId"];
                };
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The script */
                200: {
                    headers: {
                        "X-Request-Id": components["headers"]["RequestId"];
                        [name: string]: unknown;
                    };
                    content: {
                        "text/javascript": string;
                    };
                };
                500: components["responses"]["InternalError"];
                /** @description unavailable: the script is not installed (run npm run build, or install the dev dependencies) */
                503: {
                    headers: {
                        "X-Request-Id": components["headers"]["RequestId"];
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Error"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/health": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Liveness: the process answers */
        get: {
            parameters: {
                query?: never;
                header?: {
                    /** @description Your id for this request (up to 128 of A-Z a-z 0-9 _ - =); returned, and on every log line of the request. A new one is made when absent or malformed. */
                    "x-request-id"?: components["parameters"]["RequestId"];
                };
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Alive */
                200: {
                    headers: {
                        "X-Request-Id": components["headers"]["RequestId"];
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @enum {string} */
                            status: "ok";
                        };
                    };
                };
                500: components["responses"]["InternalError"];
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/metrics": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Prometheus metrics: events published, projected and rejected, projector lag, HTTP, live stream
         * @description Text exposition format. Each scrape probes NATS, Postgres and the projector checkpoint once (as /ready does). See the README for the list.
         */
        get: {
            parameters: {
                query?: never;
                header?: {
                    /** @description Your id for this request (up to 128 of A-Z a-z 0-9 _ - =); returned, and on every log line of the request. A new one is made when absent or malformed. */
                    "x-request-id"?: components["parameters"]["RequestId"];
                };
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Every metric, in the Prometheus text format (version 0.0.4) */
                200: {
                    headers: {
                        "X-Request-Id": components["headers"]["RequestId"];
                        [name: string]: unknown;
                    };
                    content: {
                        "text/plain": string;
                    };
                };
                500: components["responses"]["InternalError"];
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/openapi.json": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** This document: OpenAPI 3.1, generated from the zod schemas the routes validate with */
        get: {
            parameters: {
                query?: never;
                header?: {
                    /** @description Your id for this request (up to 128 of A-Z a-z 0-9 _ - =); returned, and on every log line of the request. A new one is made when absent or malformed. */
                    "x-request-id"?: components["parameters"]["RequestId"];
                };
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description The OpenAPI document */
                200: {
                    headers: {
                        "X-Request-Id": components["headers"]["RequestId"];
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["OpenAPIDocument"];
                    };
                };
                500: components["responses"]["InternalError"];
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/ready": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Readiness: NATS and Postgres reachable, projector running, its lag */
        get: {
            parameters: {
                query?: never;
                header?: {
                    /** @description Your id for this request (up to 128 of A-Z a-z 0-9 _ - =); returned, and on every log line of the request. A new one is made when absent or malformed. */
                    "x-request-id"?: components["parameters"]["RequestId"];
                };
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Ready */
                200: {
                    headers: {
                        "X-Request-Id": components["headers"]["RequestId"];
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Readiness"];
                    };
                };
                500: components["responses"]["InternalError"];
                /** @description Not ready: the body says which part */
                503: {
                    headers: {
                        "X-Request-Id": components["headers"]["RequestId"];
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": components["schemas"]["Readiness"];
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: {
        Account: {
            account_id: string;
            conversation_count: number;
            display_name: string | null;
            first_seq: number;
            /** @description captured_at of the account's newest event of any kind */
            last_captured_at: number;
            /** @description when a worker captured its newest message */
            last_message_captured_at: number | null;
            last_seq: number;
            message_count: number;
            notes: string | null;
            platform: string | null;
            /** @description registered by an operator (false: only seen on the log) */
            registered: boolean;
            registered_at: number | null;
            registered_by: string | null;
            removed: boolean;
            removed_at: number | null;
            removed_by: string | null;
            /** @enum {string|null} */
            status: "active" | "paused" | "disabled" | null;
            /** @description time of the last registration or change */
            updated_at: number | null;
        };
        AccountActionResult: {
            account: components["schemas"]["Account"];
            /** @enum {boolean} */
            projected: true;
            seq: number;
        };
        ActionAccepted: {
            /** @enum {boolean} */
            projected: false;
            seq: number;
        };
        BlockActionResult: {
            projected: boolean;
            seq: number;
        };
        Conversation: {
            account_id: string;
            /** @enum {string} */
            channel: "direct" | "comment";
            created_at: number;
            friend_avatar: string | null;
            friend_id: string | null;
            friend_name: string | null;
            id: string;
            is_archived: boolean;
            is_blocked: boolean;
            is_pinned: boolean;
            last_message: string | null;
            last_message_id: string | null;
            last_message_time: number | null;
            message_count: number;
            mute_until: number | null;
            platform_conversation_id: string;
            tags: string[];
            unread_count: number;
            version: number;
        };
        ConversationActionResult: {
            conversation: components["schemas"]["Conversation"];
            /** @enum {boolean} */
            projected: true;
            seq: number;
        };
        DeviceCursor: {
            account_id: string;
            acked_at: number | null;
            cursor: number;
            device_id: string;
            last_seen_at: number;
        };
        Error: {
            error: {
                code: string;
                field?: string;
                issues?: {
                    field: string;
                    message: string;
                }[];
                message: string;
            };
        };
        LiveStats: {
            /** @description accounts with at least one */
            accounts: number;
            /** @description connections ended, for any reason */
            closed_total: number;
            connected_total: number;
            /** @description open live-stream connections */
            connections: number;
            /** @description cut off because they stopped reading */
            dropped_slow_total: number;
            events_sent_total: number;
        };
        MarkReadResult: {
            projected: boolean;
            /** @description the last sequence appended */
            seq: number;
            /** @description messages that changed from unread to read */
            updated: number;
        };
        Message: {
            account_id: string;
            captured_at: number;
            /** @enum {string} */
            channel: "direct" | "comment";
            content: string;
            conversation_id: string;
            created_at: number;
            /** @enum {string} */
            direction: "inbound" | "outbound";
            edited: boolean;
            edited_at: number | null;
            id: string;
            platform_conversation_id: string;
            platform_message_id: string;
            recalled: boolean;
            recalled_at: number | null;
            reply_to: string | null;
            sender_avatar: string | null;
            sender_id: string;
            sender_name: string | null;
            /** @enum {string} */
            type: "text" | "image" | "video" | "file" | "sticker" | "other";
            version: number;
        };
        MessageHistory: {
            message: components["schemas"]["Message"] & unknown;
            recall: components["schemas"]["Recall"] | null;
            /** @description oldest first: the original, then the edits by edited_at, then sequence; the last is current */
            versions: {
                /** @description created_at of the original, edited_at of an edit */
                at: number;
                /** @description the sender of the original, the editor of an edit */
                by: string;
                /** @description null only for the original of a message edited before originals were kept */
                content: string | null;
                /** @enum {string} */
                kind: "original" | "edit";
                /** @description the stream sequence of the capture or edit */
                seq: number;
            }[];
        };
        MessagePage: {
            has_more: boolean;
            messages: components["schemas"]["Message"][];
            next_before: string | null;
        };
        MessageTimeline: {
            events: (components["schemas"]["StoredEvent"] & {
                /** @description the event's own time */
                at: number | null;
                /** @description the sender, editor, reader (actor) or recaller */
                by: string | null;
                /** @description captured, edited, read or recalled */
                kind: string;
            })[];
            message: {
                account_id: string;
                captured: boolean;
                conversation_id: string | null;
                id: string;
                platform_conversation_id: string;
                platform_message_id: string;
                read: {
                    at: number;
                    seq: number | null;
                } | null;
                recalled: boolean;
            };
        };
        OpenAPIDocument: {
            openapi: string;
        } & {
            [key: string]: unknown;
        };
        ReadChange: {
            conversation_id: string;
            message_ids: string[];
            read_at: number;
            seq: number;
        };
        Readiness: {
            nats: {
                error?: string;
                ok: boolean;
            };
            /** @description with PARTITIONS > 1: each partition */
            partitions?: {
                checkpoint: number;
                lag_events: number | null;
                last_error: string | null;
                partition: number;
                /** @description `remote`: projected by another process */
                state: string;
                stream: string;
                stream_last_seq: number | null;
            }[];
            postgres: {
                error?: string;
                ok: boolean;
            };
            /** @description with several partitions: the state that needs attention first, and totals over the partitions */
            projector: {
                checkpoint: number;
                lag_events: number | null;
                last_error: string | null;
                state: string;
                stream_last_seq: number | null;
            };
            ready: boolean;
        };
        Recall: {
            recalled_at: number;
            recalled_by: string;
            /** @description the sequence of the recall that stands (the first one) */
            seq: number;
        };
        RejectedEvent: {
            raw: string;
            reason: string;
            seq: number;
            stored_at: number;
            stream: string;
            subject: string;
        };
        Reply: {
            account_id: string;
            /** @description deliveries to the worker, from its outcome (0 while pending) */
            attempts: number;
            /** @enum {string} */
            channel: "direct" | "comment";
            content: string;
            /** @description the hub id of the DM thread or video */
            conversation_id: string;
            expired_at: number | null;
            expires_at: number;
            failed_at: number | null;
            failure_reason: string | null;
            /** @description the hub id the sent reply has as a captured message */
            message_id: string | null;
            platform_conversation_id: string;
            /** @description the sent reply's id on the platform */
            platform_message_id: string | null;
            reply_id: string;
            /** @description platform id of the comment replied under */
            reply_to: string | null;
            requested_at: number;
            requested_by: string | null;
            sent_at: number | null;
            /** @description the sequence of the ReplyRequested */
            seq: number;
            /** @enum {string} */
            status: "pending" | "sent" | "failed" | "expired";
            /** @description the sequence of the last change */
            version: number;
        };
        ReplyActionResult: {
            /** @enum {boolean} */
            projected: true;
            reply: components["schemas"]["Reply"];
            seq: number;
        };
        SearchHit: components["schemas"]["Message"] & {
            rank: number;
            snippet: string;
        };
        StoredEvent: {
            /** @description any other UTF-8 body, as text */
            data?: string;
            /** @description a body that is not UTF-8 */
            data_base64?: string;
            /** @description the body exactly as stored, when it is UTF-8 JSON on one line (not upcast, not validated) */
            event?: unknown;
            seq: number;
            /** @description when the log stored it (epoch ms) */
            stored_at: number;
            /** @description the same, in nanoseconds, as the chain hashes it */
            stored_ns: string;
            subject: string;
        };
        SyncMessage: components["schemas"]["Message"] & {
            read_at: number | null;
        };
        SyncPage: {
            /** @description changed after the cursor, in their current state */
            conversations: components["schemas"]["Conversation"][];
            /** @description recalled after the cursor */
            deleted_message_ids: string[];
            /** @description call again at once */
            has_more: boolean;
            /** @description created or changed after the cursor, in their current state */
            messages: components["schemas"]["SyncMessage"][];
            /** @description send it as cursor next time; it never passes the projector */
            next_cursor: number;
            /** @description only when asked by last_sync_timestamp */
            next_sync_timestamp?: number;
            read_changes: components["schemas"]["ReadChange"][];
        };
        UnreadSummary: {
            conversations_unread: {
                conversation_id: string;
                last_unread_message: string | null;
                last_unread_time: number | null;
                unread_count: number;
            }[];
            total_unread: number;
        };
        /** @description The newest profile seen of a platform user; a field no worker has seen yet is null. A key limited to some accounts sees only users who sent messages to one of them, with message_count and accounts counted within them */
        User: {
            /** @description monitored accounts they sent messages to, first contact first */
            accounts: string[];
            avatar: string | null;
            /** @description platform time of the first message or profile observation */
            first_seen_at: number;
            follower_count: number | null;
            following_count: number | null;
            /** @description the friend of one of account_id's direct conversations; false without account_id */
            is_friend: boolean;
            is_verified: boolean | null;
            last_seen_at: number;
            /** @description messages they sent */
            message_count: number;
            name: string | null;
            /** @enum {string} */
            platform: "douyin";
            signature: string | null;
            /** @description the platform user id */
            user_id: string;
            video_count: number | null;
        };
    };
    responses: {
        /** @description forbidden: the key's role may not call this route, or the account is outside its scope */
        Forbidden: {
            headers: {
                "X-Request-Id": components["headers"]["RequestId"];
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["Error"];
            };
        };
        /** @description internal: the service logged the details under this request id */
        InternalError: {
            headers: {
                "X-Request-Id": components["headers"]["RequestId"];
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["Error"];
            };
        };
        /** @description Invalid input: the body names the field */
        InvalidRequest: {
            headers: {
                "X-Request-Id": components["headers"]["RequestId"];
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["Error"];
            };
        };
        /** @description not_projected_yet: the read models have not reached min_seq within the wait (retry after Retry-After seconds); unavailable: this process cannot wait */
        NotProjectedYet: {
            headers: {
                "X-Request-Id": components["headers"]["RequestId"];
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["Error"];
            };
        };
        /** @description payload_too_large: the body is over the service's MAX_BODY_BYTES */
        PayloadTooLarge: {
            headers: {
                "X-Request-Id": components["headers"]["RequestId"];
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["Error"];
            };
        };
        /** @description rate_limited: too many requests with this key; retry after Retry-After seconds */
        RateLimited: {
            headers: {
                "Retry-After": components["headers"]["RetryAfter"];
                "X-Request-Id": components["headers"]["RequestId"];
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["Error"];
            };
        };
        /** @description unauthorized: no API key, or an unknown or revoked one */
        Unauthorized: {
            headers: {
                /** @description Bearer */
                "WWW-Authenticate"?: string;
                "X-Request-Id": components["headers"]["RequestId"];
                [name: string]: unknown;
            };
            content: {
                "application/json": components["schemas"]["Error"];
            };
        };
    };
    parameters: {
        /** @description Answer only once the read models include this stream sequence (the `seq` an action returned); waits up to 5 s, else 503 */
        MinSeq: number;
        /** @description Your id for this request (up to 128 of A-Z a-z 0-9 _ - =); returned, and on every log line of the request. A new one is made when absent or malformed. */
        RequestId: string;
    };
    requestBodies: never;
    headers: {
        /** @description The id of this request in the service log */
        RequestId: string;
        /** @description Seconds to wait before retrying */
        RetryAfter: number;
    };
    pathItems: never;
}
export type $defs = Record<string, never>;
export type operations = Record<string, never>;
