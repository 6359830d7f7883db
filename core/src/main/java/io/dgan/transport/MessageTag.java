package io.dgan.transport;

/**
 * Identifies one message so that a late or duplicated message is never mixed into the wrong round.
 * The sender rank and the job are properties of the link, not of the tag.
 *
 * @param epoch     topology epoch (bumped when the graph is rewired)
 * @param iteration optimizer iteration k
 * @param round     gossip round r within the iteration, or the step of a collective
 * @param channel   what the vector is: a player block for gossip, or a collective's segment
 */
public record MessageTag(long epoch, long iteration, int round, int channel) {
}
