/** Serializers and deserializers for record keys and values. */
package io.runnel.client.serialization;
