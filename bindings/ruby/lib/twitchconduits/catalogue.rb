# frozen_string_literal: true

module TwitchConduits
  # One type+version of the catalogue (include/twitchconduits/catalogue.h).
  # Condition fields, transports, status and authorizer are Symbols:
  #   required: [:broadcaster_user_id, :moderator_user_id], transports: [:webhook, :websocket, :conduit],
  #   status: :ga (:beta, :deprecated, :withdrawn), authorizer: :moderator
  # one_of: groups of which exactly one key is needed (channel.raid); scopes:
  # each entry is needed ("a|b": either one).
  EventType = Struct.new(:name, :version, :status, :newest, :required, :optional, :one_of, :transports,
                         :app_token_only, :scopes, :authorizer, :app_token_scopes, :create_body_extra,
                         :replaced_by, keyword_init: true) do
    const_set(:TRANSPORTS, { webhook: 0, websocket: 1, conduit: 2 }.freeze)

    def newest? = newest
    def app_token_only? = app_token_only
    # Every key a condition of this type may hold.
    def condition_fields = required + optional + one_of.flatten

    def self.from_native(t)
      strings = ->(count, get) { Array.new(Native.send(count, t)) { |i| Native.send(get, t, i) }.freeze }
      symbols = ->(count, get) { strings.call(count, get).map(&:to_sym).freeze }
      extra = Native.tc_event_type_create_body_extra(t)
      new(name: Native.tc_event_type_name(t), version: Native.tc_event_type_version(t),
          status: Native.tc_event_type_status(t).to_sym, newest: Native.tc_event_type_is_newest(t) == 1,
          required: symbols.call(:tc_event_type_required_count, :tc_event_type_required),
          optional: symbols.call(:tc_event_type_optional_count, :tc_event_type_optional),
          one_of: Array.new(Native.tc_event_type_one_of_count(t)) do |g|
            Array.new(Native.tc_event_type_one_of_size(t, g)) { |i| Native.tc_event_type_one_of(t, g, i).to_sym }.freeze
          end.freeze,
          transports: self::TRANSPORTS.select { |_, v| Native.tc_event_type_allows(t, v) == 1 }.keys.freeze,
          app_token_only: Native.tc_event_type_app_token_only(t) == 1,
          scopes: strings.call(:tc_event_type_scope_count, :tc_event_type_scope),
          authorizer: Native.tc_event_type_authorizer(t).to_sym,
          app_token_scopes: strings.call(:tc_event_type_app_token_scope_count, :tc_event_type_app_token_scope),
          create_body_extra: extra && JSON.parse(extra).freeze,
          replaced_by: Native.tc_event_type_replaced_by(t)).freeze
    end
  end

  # Every subscription type Twitch documents, newest version per name:
  #   TwitchConduits.catalogue[:"channel.follow"].required  #=> [:broadcaster_user_id, :moderator_user_id]
  #   TwitchConduits.catalogue.fetch("channel.follow", "1") # raises Gone ("use version 2")
  #   TwitchConduits.catalogue.select { |t| t.name.start_with?("channel.chat.") }
  # Enumerable over EventType; names may be given as Strings or Symbols.
  class Catalogue
    include Enumerable

    def initialize
      @all = Array.new(Native.tc_catalogue_count) { |i| EventType.from_native(Native.tc_catalogue_at(i)) }.freeze
      @withdrawn = Array.new(Native.tc_catalogue_withdrawn_count) do |i|
        EventType.from_native(Native.tc_catalogue_withdrawn_at(i))
      end.freeze
      @newest = @all.select(&:newest?).to_h { |t| [t.name.to_sym, t] }.freeze
      freeze
    end

    # The date of the Twitch documentation the catalogue follows.
    def snapshot = Native.tc_catalogue_snapshot
    def each(&) = @newest.each_value(&)
    def size = @newest.size
    alias length size
    # The newest version of a type, or nil.
    def [](name) = @newest[name.to_sym]
    def key?(name) = @newest.key?(name.to_sym)
    alias include? key?
    def names = @newest.keys
    def to_h = @newest
    # Every type+version that can be created (by name, newest last).
    def all_versions = @all
    # Versions Twitch no longer accepts (status :withdrawn, replaced_by set).
    def withdrawn = @withdrawn
    def versions(name) = @all.select { |t| t.name == name.to_s }
    def inspect = "#<#{self.class.name} #{size} types, snapshot #{snapshot}>"

    # A type at a version (nil = newest); raises NotFound (the message lists
    # its versions) or Gone (a withdrawn version: the message names the
    # replacement, error.result is the withdrawn EventType).
    def fetch(name, version = nil)
      status, t = Native.tc_catalogue_find(name.to_s, version&.to_s)
      return EventType.from_native(t) if status.zero?

      raise Error.for(status, Native.tc_last_error_message, result: t && EventType.from_native(t))
    end
  end

  # The catalogue (built once, on first use).
  def self.catalogue = @catalogue ||= Catalogue.new
end
