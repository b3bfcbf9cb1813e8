/** The admin client: {@link io.runnel.client.admin.RunnelAdmin} creates, deletes, lists and describes topics. */
package io.runnel.client.admin;
