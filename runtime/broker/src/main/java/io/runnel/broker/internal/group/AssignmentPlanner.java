package io.runnel.broker.internal.group;

import io.runnel.api.RunnelException;
import io.runnel.api.TopicPartition;
import io.runnel.api.assignor.MemberSubscription;
import io.runnel.api.assignor.PartitionAssignor;
import io.runnel.broker.internal.metadata.MetadataCache;
import io.runnel.protocol.ConsumerProtocol;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

import static java.util.Objects.requireNonNull;

/**
 * Chooses a group's assignor (protocol) and computes its members' assignments. Unlike Kafka the
 * coordinator runs the {@link PartitionAssignor} itself, so this is where the members'
 * subscriptions are read, patterns are resolved against the existing topics, the assignor runs
 * (under its plugin's class loader) and, for a cooperative generation, partitions still owned
 * elsewhere are withheld.
 *
 * <p>Thread safe: it holds no state of its own (the assignor list is immutable, the metadata cache
 * thread safe); methods taking a {@link Group} must be called under that group's monitor.
 */
final class AssignmentPlanner {
    private static final Logger log = LoggerFactory.getLogger(AssignmentPlanner.class);

    /**
     * The outcome of planning a generation. {@code protocol} is null when the members have no
     * assignor in common; {@code assignment} is null when there is none or the assignor failed.
     */
    record Plan(String protocol, Map<String, List<TopicPartition>> assignment, Map<String, Integer> partitionCounts,
                boolean cooperative) {
    }

    private final List<AssignorPlugin> assignors;
    private final MetadataCache cache;

    AssignmentPlanner(List<AssignorPlugin> assignors, MetadataCache cache) {
        this.assignors = List.copyOf(assignors);
        this.cache = requireNonNull(cache, "cache is null");
    }

    /**
     * Under the group's lock: the installed assignors, in {@code group.assignors} order, that a
     * joining member offers in {@code offered} and every other member of the group accepts too.
     */
    Set<String> acceptedByAll(Group g, String joiningMemberId, List<String> offered) {
        Set<String> candidates = new LinkedHashSet<>();
        for (AssignorPlugin a : assignors) {
            if (offered.contains(a.name())) {
                candidates.add(a.name());
            }
        }
        for (Group.Member other : g.members.values()) {
            if (!other.memberId.equals(joiningMemberId)) {
                candidates.retainAll(other.protocolNames());
            }
        }
        return candidates;
    }

    /** Under the group's lock (which must have members): votes for the assignor and runs it. */
    Plan plan(Group g) {
        String protocol = vote(g);
        Map<String, List<TopicPartition>> assignment = null;
        Map<String, Integer> counts = Map.of();
        boolean cooperative = false;
        if (protocol != null) {
            Map<String, Set<String>> topics = subscribedTopics(g, protocol);
            Set<String> all = new TreeSet<>();
            topics.values().forEach(all::addAll);
            counts = partitionCounts(all);
            Map<String, MemberSubscription> subscriptions = new TreeMap<>();
            for (Group.Member m : g.members.values()) {
                ConsumerProtocol.Subscription s = ConsumerProtocol.decodeSubscription(m.metadata(protocol));
                List<String> existing = topics.get(m.memberId).stream().filter(counts::containsKey).toList();
                subscriptions.put(m.memberId, new MemberSubscription(m.memberId, Optional.empty(), existing,
                        s.ownedPartitions(), s.userData()));
            }
            AssignorPlugin plugin = assignors.stream().filter(a -> a.name().equals(protocol)).findFirst().orElseThrow();
            cooperative = plugin.assignor().supportedProtocols().contains(PartitionAssignor.RebalanceProtocol.COOPERATIVE);
            for (Group.Member m : g.members.values()) {
                cooperative &= ConsumerProtocol.decodeSubscription(m.metadata(protocol)).cooperative();
            }
            try {
                assignment = plugin.assign(counts, subscriptions);
                if (cooperative) {
                    assignment = withholdOwnedElsewhere(g, assignment, subscriptions);
                }
            } catch (RuntimeException e) {
                log.error("Group {}: assignor {} failed", g.groupId, protocol, e);
                assignment = null;
            }
        }
        return new Plan(protocol, assignment, counts, cooperative);
    }

    /** Under the group's lock: the existing topics the members subscribe to with {@code protocol}, with their partition counts. */
    Map<String, Integer> subscribedPartitionCounts(Group g, String protocol) {
        Set<String> all = new TreeSet<>();
        subscribedTopics(g, protocol).values().forEach(all::addAll);
        return partitionCounts(all);
    }

    /** The topics and partition counts a stored assignment covers: each assigned topic's distinct partitions. */
    static Map<String, Integer> assignedCounts(Group g) {
        Map<String, Set<Integer>> partitions = new TreeMap<>();
        for (Group.Member m : g.members.values()) {
            try {
                for (TopicPartition tp : ConsumerProtocol.decodeAssignment(m.assignment).partitions()) {
                    partitions.computeIfAbsent(tp.topic(), t -> new HashSet<>()).add(tp.partition());
                }
            } catch (RunnelException e) {
                log.warn("Group {}: stored assignment of {} is unreadable: {}", g.groupId, m.memberId, e.getMessage());
            }
        }
        Map<String, Integer> counts = new TreeMap<>();
        partitions.forEach((t, p) -> counts.put(t, p.size()));
        return counts;
    }

    /**
     * Cooperative rebalancing (KIP-429) done on the coordinator: a partition the new assignment
     * moves away from a member that still owns it is not given to its new owner in this
     * generation. The old owner sees it gone, revokes it and rejoins with a smaller owned set,
     * which starts the next rebalance, and that one hands it over.
     */
    private static Map<String, List<TopicPartition>> withholdOwnedElsewhere(Group g,
            Map<String, List<TopicPartition>> assignment, Map<String, MemberSubscription> subscriptions) {
        Map<TopicPartition, Set<String>> owners = new HashMap<>();
        for (MemberSubscription s : subscriptions.values()) {
            for (TopicPartition tp : s.ownedPartitions()) {
                owners.computeIfAbsent(tp, x -> new HashSet<>()).add(s.memberId());
            }
        }
        Map<String, List<TopicPartition>> result = new HashMap<>();
        List<TopicPartition> withheld = new ArrayList<>();
        assignment.forEach((member, partitions) -> {
            List<TopicPartition> given = new ArrayList<>();
            for (TopicPartition tp : partitions) {
                Set<String> owner = owners.getOrDefault(tp, Set.of());
                if (owner.isEmpty() || owner.equals(Set.of(member))) {
                    given.add(tp);
                } else {
                    withheld.add(tp);
                }
            }
            result.put(member, given);
        });
        if (!withheld.isEmpty()) {
            log.info("Group {}: {} withheld until their owners revoke them", g.groupId, withheld);
        }
        return result;
    }

    /** Kafka's vote: each member votes for its most preferred assignor every member accepts; ties by {@code group.assignors} order. */
    private String vote(Group g) {
        List<String> candidates = new ArrayList<>();
        for (AssignorPlugin a : assignors) {
            boolean all = true;
            for (Group.Member m : g.members.values()) {
                all &= m.protocolNames().contains(a.name());
            }
            if (all) {
                candidates.add(a.name());
            }
        }
        if (candidates.isEmpty()) {
            return null;
        }
        Map<String, Integer> votes = new HashMap<>();
        for (Group.Member m : g.members.values()) {
            for (String name : m.protocolNames()) {
                if (candidates.contains(name)) {
                    votes.merge(name, 1, Integer::sum);
                    break;
                }
            }
        }
        String best = candidates.get(0);
        for (String c : candidates) {
            if (votes.getOrDefault(c, 0) > votes.getOrDefault(best, 0)) {
                best = c;
            }
        }
        return best;
    }

    /** Each member's subscribed topics, patterns resolved against the existing topics. */
    private Map<String, Set<String>> subscribedTopics(Group g, String protocol) {
        Set<String> existing = cache.topicNames();
        Map<String, Set<String>> result = new LinkedHashMap<>();
        for (Group.Member m : g.members.values()) {
            Set<String> topics = new TreeSet<>();
            try {
                ConsumerProtocol.Subscription s = ConsumerProtocol.decodeSubscription(m.metadata(protocol));
                topics.addAll(s.topics());
                if (s.pattern() != null) {
                    Pattern pattern = Pattern.compile(s.pattern());
                    for (String t : existing) {
                        if (pattern.matcher(t).matches()) {
                            topics.add(t);
                        }
                    }
                }
            } catch (RunnelException | PatternSyntaxException e) {
                log.warn("Group {}: subscription of {} is unreadable: {}", g.groupId, m.memberId, e.getMessage());
            }
            result.put(m.memberId, topics);
        }
        return result;
    }

    private Map<String, Integer> partitionCounts(Set<String> topics) {
        Map<String, Integer> counts = new TreeMap<>();
        for (String t : topics) {
            cache.topic(t).ifPresent(meta -> counts.put(t, meta.assignment().partitionCount()));
        }
        return counts;
    }
}
