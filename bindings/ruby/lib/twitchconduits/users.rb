# frozen_string_literal: true

module TwitchConduits
  # key is the application's own (possibly secret) handle for the user.
  User = Struct.new(:key, :user_id, :subscription_ids, keyword_init: true) do
    include Redacted
    const_set(:SECRET_FIELDS, %i[key].freeze)
    # From a tc_user the caller still owns (borrowed or a snapshot).
    def self.from_native(u)
      new(key: Native.tc_user_key(u), user_id: Native.tc_user_user_id(u),
          subscription_ids: Array.new(Native.tc_user_subscription_count(u)) { |i| Native.tc_user_subscription_id(u, i) })
    end
  end

  # The library's users registry: user id <-> key <-> subscription ids.
  class Users
    def initialize
      status, @u = Native.tc_users_new
      Error.check(status)
      ObjectSpace.define_finalizer(self, self.class.releaser(@u))
    end

    # A finalizer that only frees C memory (it never touches this object).
    def self.releaser(ptr) = proc { Native.tc_users_free(ptr) }

    def add(key, user_id, subscription_ids = [])
      Error.check(Native.tc_users_add(@u, key, user_id, subscription_ids))
      self
    end

    def add_subscription(user_id, id) = Error.check(Native.tc_users_add_subscription(@u, user_id, id)) && self
    def remove_subscription(user_id, id) = Error.check(Native.tc_users_remove_subscription(@u, user_id, id)) && self
    def size = Native.tc_users_count(@u)
    alias count size

    def by_key(key) = snapshot(*Native.tc_users_get_by_key(@u, key))
    def by_user_id(user_id) = snapshot(*Native.tc_users_get_by_user_id(@u, user_id))
    def by_subscription(id) = snapshot(*Native.tc_users_get_by_subscription(@u, id))
    def remove(user_id) = snapshot(*Native.tc_users_remove(@u, user_id))

    def user_ids
      status, l = Native.tc_users_list(@u)
      Error.check(status)
      Array.new(Native.tc_user_id_list_count(l)) { |i| Native.tc_user_id_list_get(l, i) }
    ensure
      Native.tc_user_id_list_free(l) if l
    end

    def inspect = "#<#{self.class.name} size=#{size}>"

    private

    # A User from a snapshot the call returned (then freed); nil when not
    # found; raises on other failures.
    def snapshot(status, u)
      return nil if status == Native::TC_ENOTFOUND

      Error.check(status)
      User.from_native(u)
    ensure
      Native.tc_user_free(u) if u
    end
  end
end
