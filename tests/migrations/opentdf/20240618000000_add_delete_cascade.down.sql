-- +goose StatementBegin

-- When migrating down, update foreign key default constraints to put back constraints without cascading deletion.

-- Do not cascade deletion of Attribute Definitions when their parent Namespace is deleted
ALTER TABLE attribute_definitions
DROP CONSTRAINT attribute_definitions_namespace_id_fkey_cascades;

ALTER TABLE attribute_definitions
ADD CONSTRAINT attribute_definitions_namespace_id_fkey
FOREIGN KEY (namespace_id)
REFERENCES attribute_namespaces (id);

-- Do not cascade deletion of Attribute Values when their parent Definition is deleted
ALTER TABLE attribute_values
DROP CONSTRAINT attribute_values_attribute_definition_id_fkey_cascades;

ALTER TABLE attribute_values
ADD CONSTRAINT attribute_values_attribute_definition_id_fkey
FOREIGN KEY (attribute_definition_id)
REFERENCES attribute_definitions (id);

-- Do not cascade deletion of Resource Mappings when their parent Attribute Value is deleted
ALTER TABLE resource_mappings
DROP CONSTRAINT resource_mappings_attribute_value_id_fkey_cascades;

ALTER TABLE resource_mappings
ADD CONSTRAINT resource_mappings_attribute_value_id_fkey
FOREIGN KEY (attribute_value_id)
REFERENCES attribute_values (id);

-- Do not cascade deletion of Subject Mappings when their parent Attribute Value is deleted
ALTER TABLE subject_mappings
DROP CONSTRAINT subject_mappings_attribute_value_id_fkey_cascades;

ALTER TABLE subject_mappings
ADD CONSTRAINT subject_mappings_attribute_value_id_fkey
FOREIGN KEY (attribute_value_id)
REFERENCES attribute_values (id);

-- Do not cascade deletion of FQNs when their parent objects are deleted
ALTER TABLE attribute_fqns
DROP CONSTRAINT attribute_fqns_namespace_id_fkey_cascades;

ALTER TABLE attribute_fqns
ADD CONSTRAINT attribute_fqns_namespace_id_fkey
FOREIGN KEY (namespace_id)
REFERENCES attribute_namespaces (id);

ALTER TABLE attribute_fqns
DROP CONSTRAINT attribute_fqns_attribute_id_fkey_cascades;

ALTER TABLE attribute_fqns
ADD CONSTRAINT attribute_fqns_attribute_id_fkey
FOREIGN KEY (attribute_id)
REFERENCES attribute_definitions (id);

ALTER TABLE attribute_fqns
DROP CONSTRAINT attribute_fqns_value_id_fkey_cascades;

ALTER TABLE attribute_fqns
ADD CONSTRAINT attribute_fqns_value_id_fkey
FOREIGN KEY (value_id)
REFERENCES attribute_values (id);

-- Do not cascade deletion of KAS Registrations when an associated policy object is deleted

ALTER TABLE attribute_definition_key_access_grants
DROP CONSTRAINT attr_def_key_access_gr_attr_def_id_fkey_cascades;

ALTER TABLE attribute_definition_key_access_grants
ADD CONSTRAINT attribute_definition_key_access_gr_attribute_definition_id_fkey
FOREIGN KEY (attribute_definition_id)
REFERENCES attribute_definitions (id);

ALTER TABLE attribute_definition_key_access_grants
DROP CONSTRAINT attr_def_key_access_grant_kas_id_fkey_cascades;

ALTER TABLE attribute_definition_key_access_grants
ADD CONSTRAINT attribute_definition_key_access_grant_key_access_server_id_fkey
FOREIGN KEY (key_access_server_id)
REFERENCES key_access_servers (id);

ALTER TABLE attribute_value_key_access_grants
DROP CONSTRAINT attr_val_key_access_grants_kas_id_fkey_cascades;

ALTER TABLE attribute_value_key_access_grants
ADD CONSTRAINT attribute_value_key_access_grants_key_access_server_id_fkey
FOREIGN KEY (key_access_server_id)
REFERENCES key_access_servers (id);

ALTER TABLE attribute_value_key_access_grants
DROP CONSTRAINT attr_val_key_access_grants_attr_val_id_fkey_cascades;

ALTER TABLE attribute_value_key_access_grants
ADD CONSTRAINT attribute_value_key_access_grants_attribute_value_id_fkey
FOREIGN KEY (attribute_value_id)
REFERENCES attribute_values (id);

-- attribute_value_members may have been dropped and recreated by a later
-- migration (20240813000000) with default constraint names, so these
-- _cascades constraints may not exist.
ALTER TABLE attribute_value_members
DROP CONSTRAINT IF EXISTS attr_val_members_value_id_fkey_cascades;

DO $$ BEGIN
  ALTER TABLE attribute_value_members
  ADD CONSTRAINT attribute_value_members_value_id_fkey
  FOREIGN KEY (value_id) REFERENCES attribute_values (id);
EXCEPTION WHEN duplicate_object THEN NULL;
END $$;

ALTER TABLE attribute_value_members
DROP CONSTRAINT IF EXISTS attr_val_members_member_id_fkey_cascades;

DO $$ BEGIN
  ALTER TABLE attribute_value_members
  ADD CONSTRAINT attribute_value_members_member_id_fkey
  FOREIGN KEY (member_id) REFERENCES attribute_values (id);
EXCEPTION WHEN duplicate_object THEN NULL;
END $$;

-- +goose StatementEnd