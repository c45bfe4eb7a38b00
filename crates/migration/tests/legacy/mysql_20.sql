CREATE TABLE `audit_events` (
  `id` bigint(20) NOT NULL AUTO_INCREMENT,
  `tenant_id` bigint(20) NOT NULL,
  `actor_user_id` bigint(20) DEFAULT NULL,
  `target_user_id` bigint(20) DEFAULT NULL,
  `action` varchar(64) NOT NULL,
  `details` longtext CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL CHECK (json_valid(`details`)),
  `at` datetime(6) NOT NULL,
  PRIMARY KEY (`id`),
  KEY `ix_audit_events_tenant_at` (`tenant_id`,`at`),
  KEY `ix_audit_events_actor` (`actor_user_id`),
  KEY `ix_audit_events_target` (`target_user_id`),
  CONSTRAINT `fk_audit_events_actor` FOREIGN KEY (`actor_user_id`) REFERENCES `users` (`id`) ON DELETE SET NULL,
  CONSTRAINT `fk_audit_events_target` FOREIGN KEY (`target_user_id`) REFERENCES `users` (`id`) ON DELETE SET NULL,
  CONSTRAINT `fk_audit_events_tenant` FOREIGN KEY (`tenant_id`) REFERENCES `tenants` (`id`) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin;
CREATE TABLE `credential_tokens` (
  `id` bigint(20) NOT NULL AUTO_INCREMENT,
  `tenant_id` bigint(20) NOT NULL,
  `user_id` bigint(20) NOT NULL,
  `purpose` varchar(32) NOT NULL,
  `token_hash` varchar(64) NOT NULL,
  `expires_at` datetime(6) NOT NULL,
  `used_at` datetime(6) DEFAULT NULL,
  `created_by` bigint(20) DEFAULT NULL,
  `created_at` datetime(6) NOT NULL,
  PRIMARY KEY (`id`),
  UNIQUE KEY `ux_credential_tokens_token_hash` (`token_hash`),
  KEY `fk_credential_tokens_user` (`user_id`,`tenant_id`),
  KEY `ix_credential_tokens_user_purpose` (`user_id`,`purpose`),
  KEY `ix_credential_tokens_created_by` (`created_by`),
  CONSTRAINT `fk_credential_tokens_created_by` FOREIGN KEY (`created_by`) REFERENCES `users` (`id`) ON DELETE SET NULL,
  CONSTRAINT `fk_credential_tokens_user` FOREIGN KEY (`user_id`, `tenant_id`) REFERENCES `users` (`id`, `tenant_id`) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin;
CREATE TABLE `login_events` (
  `id` bigint(20) NOT NULL AUTO_INCREMENT,
  `tenant_id` bigint(20) DEFAULT NULL,
  `user_id` bigint(20) DEFAULT NULL,
  `source` varchar(16) NOT NULL,
  `outcome` varchar(32) NOT NULL,
  `ip` varchar(45) DEFAULT NULL,
  `at` datetime(6) NOT NULL,
  PRIMARY KEY (`id`),
  KEY `ix_login_events_tenant_at` (`tenant_id`,`at`),
  KEY `ix_login_events_user_at` (`user_id`,`at`),
  CONSTRAINT `fk_login_events_tenant` FOREIGN KEY (`tenant_id`) REFERENCES `tenants` (`id`) ON DELETE CASCADE,
  CONSTRAINT `fk_login_events_user` FOREIGN KEY (`user_id`) REFERENCES `users` (`id`) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin;
CREATE TABLE `plants` (
  `id` bigint(20) NOT NULL AUTO_INCREMENT,
  `pid` binary(16) NOT NULL,
  `tenant_id` bigint(20) NOT NULL,
  `code` varchar(64) NOT NULL,
  `code_key` varchar(255) NOT NULL,
  `name` varchar(255) NOT NULL,
  `is_active` tinyint(1) NOT NULL,
  `created_at` datetime(6) NOT NULL,
  `updated_at` datetime(6) NOT NULL,
  PRIMARY KEY (`id`),
  UNIQUE KEY `ux_plants_pid` (`pid`),
  UNIQUE KEY `ux_plants_tenant_code_key` (`tenant_id`,`code_key`),
  UNIQUE KEY `ux_plants_id_tenant` (`id`,`tenant_id`),
  CONSTRAINT `fk_plants_tenant` FOREIGN KEY (`tenant_id`) REFERENCES `tenants` (`id`) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin;
CREATE TABLE `role_catalogue` (
  `id` int(11) NOT NULL,
  `exclusive_per_scope` tinyint(1) NOT NULL,
  `updated_at` datetime(6) NOT NULL,
  PRIMARY KEY (`id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin;
INSERT INTO `role_catalogue` VALUES
(1,1,'2026-12-02 09:30:05.683776');
CREATE TABLE `roles` (
  `key` varchar(64) NOT NULL,
  `name` varchar(200) NOT NULL,
  `scope` varchar(16) NOT NULL,
  `administers_users` tinyint(1) NOT NULL,
  `is_default` tinyint(1) NOT NULL,
  `implies` text NOT NULL,
  `grants` text NOT NULL,
  `position` int(11) NOT NULL,
  `created_at` datetime(6) NOT NULL,
  `updated_at` datetime(6) NOT NULL,
  PRIMARY KEY (`key`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin;
INSERT INTO `roles` VALUES
('admin','Administrator','both',1,0,'[\"engineer\"]','\"everything\"',3,'2026-12-02 09:30:05.683776','2026-12-02 09:30:05.683776'),
('engineer','Engineer','both',0,0,'[\"supervisor\"]','\"nothing\"',2,'2026-12-02 09:30:05.683776','2026-12-02 09:30:05.683776'),
('operator','Operator','both',0,0,'[]','\"nothing\"',0,'2026-12-02 09:30:05.683776','2026-12-02 09:30:05.683776'),
('supervisor','Supervisor','both',0,0,'[\"operator\"]','\"nothing\"',1,'2026-12-02 09:30:05.683776','2026-12-02 09:30:05.683776');
CREATE TABLE `tenant_locks` (
  `tenant_id` bigint(20) NOT NULL,
  PRIMARY KEY (`tenant_id`),
  CONSTRAINT `fk_tenant_locks_tenant` FOREIGN KEY (`tenant_id`) REFERENCES `tenants` (`id`) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin;
CREATE TABLE `tenantry_migrations` (
  `version` varchar(255) NOT NULL,
  `applied_at` bigint(20) NOT NULL,
  PRIMARY KEY (`version`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
INSERT INTO `tenantry_migrations` VALUES
('m20261122_000001_create_tenants',1796203805),
('m20261122_000002_create_plants',1796203805),
('m20261122_000003_create_users',1796203805),
('m20261122_000004_create_user_plant_roles',1796203805),
('m20261122_000005_create_audit_events',1796203805),
('m20261122_000006_create_credential_tokens',1796203805),
('m20261122_000007_create_login_events',1796203805),
('m20261122_000008_create_user_identities',1796203805),
('m20261122_000009_add_users_lockout_and_verification',1796203805),
('m20261122_000010_add_users_live_index',1796203805),
('m20261122_000012_add_users_created_index',1796203805),
('m20261122_000013_rebuild_users_created_index',1796203805),
('m20261122_000014_set_users_fillfactor',1796203805),
('m20261201_000015_login_events_without_tenant',1796203805),
('m20261201_000016_add_users_username_skeleton',1796203805),
('m20261201_000017_create_roles',1796203805),
('m20261202_000018_role_grants',1796203805),
('m20261203_000019_create_tenant_locks',1796203805),
('m20261203_000020_add_users_live_status_index',1796203805),
('m20261204_000021_add_users_display_name_key',1796203805);
CREATE TABLE `tenants` (
  `id` bigint(20) NOT NULL AUTO_INCREMENT,
  `pid` binary(16) NOT NULL,
  `slug` varchar(63) NOT NULL,
  `name` varchar(255) NOT NULL,
  `status` varchar(16) NOT NULL,
  `created_at` datetime(6) NOT NULL,
  `updated_at` datetime(6) NOT NULL,
  PRIMARY KEY (`id`),
  UNIQUE KEY `ux_tenants_pid` (`pid`),
  UNIQUE KEY `ux_tenants_slug` (`slug`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin;
CREATE TABLE `user_identities` (
  `id` bigint(20) NOT NULL AUTO_INCREMENT,
  `tenant_id` bigint(20) NOT NULL,
  `user_id` bigint(20) NOT NULL,
  `provider` varchar(100) NOT NULL,
  `subject` varchar(255) NOT NULL,
  `email` varchar(320) DEFAULT NULL,
  `last_used_at` datetime(6) DEFAULT NULL,
  `created_at` datetime(6) NOT NULL,
  PRIMARY KEY (`id`),
  UNIQUE KEY `ux_user_identities_provider_subject` (`provider`,`subject`),
  KEY `fk_user_identities_user` (`user_id`,`tenant_id`),
  KEY `ix_user_identities_user` (`user_id`),
  CONSTRAINT `fk_user_identities_user` FOREIGN KEY (`user_id`, `tenant_id`) REFERENCES `users` (`id`, `tenant_id`) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin;
CREATE TABLE `user_plant_roles` (
  `id` bigint(20) NOT NULL AUTO_INCREMENT,
  `tenant_id` bigint(20) NOT NULL,
  `user_id` bigint(20) NOT NULL,
  `plant_id` bigint(20) NOT NULL,
  `role` varchar(64) NOT NULL,
  `granted_by` bigint(20) DEFAULT NULL,
  `created_at` datetime(6) NOT NULL,
  `updated_at` datetime(6) NOT NULL,
  PRIMARY KEY (`id`),
  UNIQUE KEY `ux_user_plant_roles_user_plant_role` (`user_id`,`plant_id`,`role`),
  KEY `fk_user_plant_roles_user` (`user_id`,`tenant_id`),
  KEY `ix_user_plant_roles_plant` (`plant_id`,`tenant_id`),
  KEY `ix_user_plant_roles_granted_by` (`granted_by`),
  KEY `fk_user_plant_roles_role` (`role`),
  CONSTRAINT `fk_user_plant_roles_granted_by` FOREIGN KEY (`granted_by`) REFERENCES `users` (`id`) ON DELETE SET NULL,
  CONSTRAINT `fk_user_plant_roles_plant` FOREIGN KEY (`plant_id`, `tenant_id`) REFERENCES `plants` (`id`, `tenant_id`) ON DELETE CASCADE,
  CONSTRAINT `fk_user_plant_roles_role` FOREIGN KEY (`role`) REFERENCES `roles` (`key`),
  CONSTRAINT `fk_user_plant_roles_user` FOREIGN KEY (`user_id`, `tenant_id`) REFERENCES `users` (`id`, `tenant_id`) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin;
CREATE TABLE `user_tenant_roles` (
  `id` bigint(20) NOT NULL AUTO_INCREMENT,
  `tenant_id` bigint(20) NOT NULL,
  `user_id` bigint(20) NOT NULL,
  `role` varchar(64) NOT NULL,
  `granted_by` bigint(20) DEFAULT NULL,
  `created_at` datetime(6) NOT NULL,
  PRIMARY KEY (`id`),
  UNIQUE KEY `ux_user_tenant_roles_user_role` (`user_id`,`role`),
  KEY `fk_user_tenant_roles_user` (`user_id`,`tenant_id`),
  KEY `fk_user_tenant_roles_role` (`role`),
  KEY `ix_user_tenant_roles_tenant_role` (`tenant_id`,`role`),
  KEY `ix_user_tenant_roles_granted_by` (`granted_by`),
  CONSTRAINT `fk_user_tenant_roles_granted_by` FOREIGN KEY (`granted_by`) REFERENCES `users` (`id`) ON DELETE SET NULL,
  CONSTRAINT `fk_user_tenant_roles_role` FOREIGN KEY (`role`) REFERENCES `roles` (`key`),
  CONSTRAINT `fk_user_tenant_roles_user` FOREIGN KEY (`user_id`, `tenant_id`) REFERENCES `users` (`id`, `tenant_id`) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin;
CREATE TABLE `users` (
  `id` bigint(20) NOT NULL AUTO_INCREMENT,
  `pid` binary(16) NOT NULL,
  `tenant_id` bigint(20) NOT NULL,
  `username` varchar(255) NOT NULL,
  `username_key` varchar(255) NOT NULL,
  `email` varchar(320) DEFAULT NULL,
  `email_key` varchar(320) DEFAULT NULL,
  `display_name` varchar(255) NOT NULL,
  `password_hash` text DEFAULT NULL,
  `status` varchar(16) NOT NULL,
  `security_stamp` varchar(64) NOT NULL,
  `failed_login_count` int(11) NOT NULL DEFAULT 0,
  `locked_until` datetime(6) DEFAULT NULL,
  `last_login_at` datetime(6) DEFAULT NULL,
  `login_count` bigint(20) NOT NULL DEFAULT 0,
  `last_active_at` datetime(6) DEFAULT NULL,
  `expires_at` datetime(6) DEFAULT NULL,
  `metadata` longtext CHARACTER SET utf8mb4 COLLATE utf8mb4_bin DEFAULT NULL CHECK (json_valid(`metadata`)),
  `deleted_at` datetime(6) DEFAULT NULL,
  `created_at` datetime(6) NOT NULL,
  `updated_at` datetime(6) NOT NULL,
  `lock_count` int(11) NOT NULL DEFAULT 0,
  `email_verified_at` datetime(6) DEFAULT NULL,
  `username_skeleton` varchar(255) DEFAULT NULL,
  `display_name_key` varchar(255) DEFAULT NULL,
  PRIMARY KEY (`id`),
  UNIQUE KEY `ux_users_pid` (`pid`),
  UNIQUE KEY `ux_users_tenant_username_key` (`tenant_id`,`username_key`),
  UNIQUE KEY `ux_users_id_tenant` (`id`,`tenant_id`),
  UNIQUE KEY `ux_users_tenant_email_key` (`tenant_id`,`email_key`),
  UNIQUE KEY `ux_users_tenant_username_skeleton` (`tenant_id`,`username_skeleton`),
  KEY `ix_users_tenant_live` (`tenant_id`,`deleted_at`,`username_key`),
  KEY `ix_users_tenant_created_id` (`tenant_id`,`created_at`,`id`),
  KEY `ix_users_tenant_live_status` (`tenant_id`,`deleted_at`,`status`,`username_key`),
  KEY `ix_users_tenant_display_name_key` (`tenant_id`,`display_name_key`),
  CONSTRAINT `fk_users_tenant` FOREIGN KEY (`tenant_id`) REFERENCES `tenants` (`id`) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin;
